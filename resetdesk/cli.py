"""The thin command line over the library: `resetdesk --help`."""

from __future__ import annotations

import json

import click

from . import __version__
from .errors import ResetdeskError


@click.group()
@click.version_option(__version__, prog_name="resetdesk")
def cli():
    """An email help desk for Microsoft 365 account recovery."""


@cli.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="The TOML config file.")
@click.option("--once", is_flag=True, help="Process what is waiting, send what is due, and exit.")
@click.option("--log-format", type=click.Choice(["text", "json"]), default=None,
              help="Log line format (default: the config's log.format).")
def run(config_path, once, log_format):
    """Run the desk: watch the mailbox, classify, reply.

    Without --once it runs until SIGTERM (or Ctrl-C), finishing the message in
    hand. One log line per message on stderr. Exit status 75 when another
    `resetdesk run` already uses the same store.

    Example: resetdesk run --once   (the local Maildir default, no servers needed)
    """
    from . import process

    config = load_config_or_exit(config_path)
    _check_store_path(config)
    raise SystemExit(process.run(config, once=once, log_format=log_format))


def _audit_bound(value: str | None, *, end: bool) -> str | None:
    """A --since/--until value as a stored timestamp (UTC); a bare date covers its whole day."""
    from .report import bound

    try:
        return bound(value, end=end)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD) or an ISO 8601 time",
                                 param_hint="--until" if end else "--since") from None


def _audit_line(row: dict) -> str:
    detail = " ".join(f"{k}={json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v}"
                      for k, v in row["detail"].items() if v not in (None, "", [], {}))
    return (f"{row['at'][:19].replace('T', ' ')}  {row['event']:<22} {row['sender'] or '-':<28} "
            f"{row['scenario'] or '-':<16} {detail}")


@cli.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="The TOML config file.")
@click.option("--sender", metavar="ADDR", help="Only events about this address (a requester, or a recipient of ours).")
@click.option("--scenario", metavar="S", help="Only events with this scenario (sspr, support, ...).")
@click.option("--event", metavar="E", help="Only events of this kind (decided, delivery_sent, console_signin, ...).")
@click.option("--since", metavar="DATE", help="From this day (YYYY-MM-DD) or time (ISO 8601), UTC.")
@click.option("--until", metavar="DATE", help="Up to and including this day, or before this time, UTC.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most N events (the newest).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def audit(config_path, sender, scenario, event, since, until, limit, as_json):
    """List the audit trail, newest first.

    Every decision, held or suppressed reply, parked message and delivery is
    an event. The store is a plain SQLite file: `sqlite-utils rows DB audit`
    and Datasette read it too.

    Example: resetdesk audit --sender anna@contoso.no --since 2026-11-01
    """
    store = _open_store(config_path)
    try:
        rows = store.audit_rows(sender=sender, scenario=scenario, event=event, since=_audit_bound(since, end=False),
                                until=_audit_bound(until, end=True), limit=limit)
    finally:
        store.close()
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    click.echo(f"{'at (UTC)':<19}  {'event':<22} {'sender':<28} {'scenario':<16} detail")
    for row in rows:
        click.echo(_audit_line(row))


class ConfigProblem(click.ClickException):
    """A configuration error: one line on stderr, exit status 2 (like a bad argument)."""

    exit_code = 2


def load_config_or_exit(path):
    """A bad config is an unusable argument: say which key, in one line, exit 2."""
    from . import config as config_module
    from .errors import ConfigError

    try:
        return config_module.load(path)
    except ConfigError as error:
        raise ConfigProblem(str(error)) from None


def _check_store_path(config) -> None:
    """A store the desk cannot create or write is a configuration error: exit 2 before opening it."""
    from .errors import StoreError
    from .store import check_store_path

    try:
        check_store_path(config.resolve_path(config.store.path))
    except StoreError as error:
        raise ConfigProblem(f"store.path: {error}") from None


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="The TOML config file (its [policy] decides who may request resets).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file, one per line.")
def classify(files, config_path, as_json):
    """Classify mail files (.eml) and explain each decision.

    A directory stands for the .eml files in it. A file that cannot be read or
    parsed gives an error and the run goes on.

    Example: resetdesk classify data/samples/
    """
    from .classify import classify_paths, explain

    config = load_config_or_exit(config_path)
    for result in classify_paths(config, files):
        if as_json:
            click.echo(json.dumps(result, ensure_ascii=False))
        else:
            click.echo(explain(result))


@cli.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="The TOML config file (reader.model: where the model goes; reader.examples: your own examples).")
@click.option("--examples", "sources", multiple=True, type=click.Path(exists=True),
              help="Train on these .jsonl files or folders instead (repeatable).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="Write the model here instead of reader.model or the shipped data/model.")
def train(config_path, sources, out_dir):
    """Train the learned reader on the labelled examples and write its model.

    Reads data/examples/train/*.jsonl and the folder reader.examples names,
    sorted, with a fixed seed: the same examples give the same model. Writes
    reader.json (settings, the sha256 of the examples) and reader.npz (the
    weights) to reader.model, or the shipped data/model.

    Example: resetdesk train
    """
    import time

    from .rules.reader import model_dir
    from .training import train_reader

    config = load_config_or_exit(config_path)
    start = time.monotonic()
    try:
        meta = train_reader(config, out_dir=out_dir, sources=list(sources) or None)
    except (ValueError, ResetdeskError) as error:
        raise click.ClickException(str(error)) from None
    where = out_dir or model_dir(config)
    counts = ", ".join(f"{name} {count}" for name, count in meta["training"]["per_scenario"].items())
    click.echo(f"trained on {meta['training']['examples']} examples ({counts}) in {time.monotonic() - start:.0f} s")
    click.echo(f"wrote {where}/reader.json and reader.npz; examples sha256 {meta['training']['sha256'][:16]}...")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot", "svg"]), default="mermaid", show_default=True,
              help="Mermaid (Markdown, GitHub), Graphviz DOT, or SVG laid out by resetdesk (no Graphviz needed).")
@click.option("--data-dir", type=click.Path(file_okay=False),
              help="A knowledge directory other than the shipped data/.")
def graph(fmt, data_dir):
    """Export the knowledge graph: scenarios, the rules between them, actions.

    Example: resetdesk graph --format svg > graph.svg
    """
    from .rules.drawing import to_svg
    from .rules.graph import load_graph, to_dot, to_mermaid

    loaded = load_graph(f"{data_dir}/graph.toml" if data_dir else None)
    exporters = {"mermaid": to_mermaid, "dot": to_dot, "svg": to_svg}
    click.echo(exporters[fmt](loaded), nl=False)


@cli.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="The TOML config file.")
@click.option("--local", is_flag=True,
              help="No Entra ID: bind 127.0.0.1 and print a one-time sign-in link (good once, for 10 minutes).")
@click.option("--as", "as_approver", metavar="APPROVER",
              help="With --local: act as this approver (on policy.approvers) instead of as an operator.")
@click.option("--bind", metavar="ADDR", help="Listen on this address instead of web.bind (127.0.0.1 by default).")
@click.option("--port", type=click.IntRange(min=0, max=65535), default=None,
              help="Listen on this port instead of web.port (0: any free port).")
def web(config_path, local, as_approver, bind, port):
    """The web console: decisions explained, the audit trail, the outbox.

    Operators and approvers sign in with Entra ID (OpenID Connect with PKCE;
    [web] and [oauth] in the config); anyone else is refused and recorded.
    On the host itself, `--local` needs no Entra ID: it prints one line, a
    link that signs you in once as an operator (or, with --as, as that
    approver). Stops on SIGTERM or Ctrl-C.

    Example: resetdesk web --local
    """
    from .errors import ConfigError
    from .process import configure_logging
    from .web.server import serve

    config = load_config_or_exit(config_path)
    if as_approver and not local:
        raise click.UsageError("--as works with --local only: on Entra ID, who you are is who signed in")
    if local and bind and bind != "127.0.0.1":
        raise click.UsageError("--local always binds 127.0.0.1")
    configure_logging(config)
    try:
        raise SystemExit(serve(config, local=local, as_approver=as_approver, bind=bind, port=port))
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    except OSError as error:
        raise click.ClickException(f"cannot listen: {error}") from None


@cli.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="The TOML config file.")
def check(config_path):
    """Check the config and everything it points at; each line OK or what to fix.

    The config, the knowledge data, the store (writable, migrations), IMAP
    (connect, log in, the folders) or the Maildir, SMTP (connect, EHLO, AUTH;
    nothing is sent) or Graph sendMail, and the Graph application permissions
    the configured features need. Exit status 0 only when everything holds.

    Example: resetdesk check --config /etc/resetdesk/resetdesk.toml
    """
    from . import config as config_module
    from .check import Line, run_checks
    from .errors import ConfigError

    try:
        config = config_module.load(config_path)
    except ConfigError as error:
        click.echo(str(Line("config", False, str(error))))
        raise SystemExit(1) from None
    failed = False
    for line in run_checks(config):
        click.echo(str(line))
        failed = failed or line.ok is False
    raise SystemExit(1 if failed else 0)


def _open_store(config_path):
    from .errors import StoreError
    from .store import Store

    config = load_config_or_exit(config_path)
    path = config.resolve_path(config.store.path)
    if not path.exists():
        raise click.ClickException(f"no store at {path}: nothing has run with this config yet")
    _check_store_path(config)
    try:
        return Store(path)
    except StoreError as error:
        raise click.ClickException(str(error)) from None


@cli.group()
def outbox():
    """Outgoing mail waiting, held or failed: look, and release what a person decided to send."""


@outbox.command("list")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="The TOML config file.")
@click.option("--status", type=click.Choice(["queued", "sending", "held", "failed", "sent", "all"]), default="held",
              show_default=True, help="Which rows.")
def outbox_list(config_path, status):
    """List outbox rows (held ones by default: in doubt after a crash, or held back by a limit).

    Example: resetdesk outbox list --status held
    """
    store = _open_store(config_path)
    try:
        rows = store.outbox_rows(None if status == "all" else "status = ?", None if status == "all" else [status])
    finally:
        store.close()
    click.echo(f"{'id':>6}  {'status':<8} {'kind':<10} {'to':<32} {'attempts':>8}  message-id / last error")
    for row in rows:
        click.echo(f"{row.id:>6}  {row.status:<8} {row.kind:<10} {row.recipient:<32} {row.attempts:>8}  "
                   f"{row.message_id}" + (f"  ({row.last_error})" if row.last_error else ""))


@outbox.command("release")
@click.argument("row_ids", nargs=-1, type=int, required=True)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="The TOML config file.")
def outbox_release(row_ids, config_path):
    """Queue held rows again: the next `resetdesk run` sends them.

    For a row in doubt after a crash, first check the mail server's log for its
    Message-ID: release it only if it never left.

    Example: resetdesk outbox release 42
    """
    from sqlite_utils.db import NotFoundError

    from .errors import StoreError

    store = _open_store(config_path)
    try:
        for row_id in row_ids:
            try:
                store.release(row_id)
                click.echo(f"released {row_id}")
            except NotFoundError:
                raise click.ClickException(f"no outbox row {row_id}") from None
            except StoreError as error:
                raise click.ClickException(str(error)) from None
    finally:
        store.close()


# ------------------------------------------------------------------ approvals


def _open_book(config_path):
    """The config, the store and the approval book over it (for the approvals commands)."""
    from .approvals import ApprovalBook
    from .responders.approval_mail import ApprovalMailer
    from .rules.graph import load_graph

    config = load_config_or_exit(config_path)
    store = _open_store(config_path)
    return config, store, ApprovalBook(config, store, ApprovalMailer(config, load_graph()))


@cli.group()
def approvals():
    """Admin-approved resets: look at requests, and approve or deny them on the host.

    The same rules hold as for approvals by mail: only an approver the request
    asked, never its requester or the account itself; a running `resetdesk run`
    carries out what is approved on its next pass.
    """


@approvals.command("list")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="The TOML config file.")
@click.option("--state", "states", multiple=True, help="Only requests in this state (repeat for more); default: all.")
def approvals_list(config_path, states):
    """List requests, newest first.

    Example: resetdesk approvals list --state pending --state in_doubt
    """
    _config, store, book = _open_book(config_path)
    try:
        requests = book.requests(states or None)
    finally:
        store.close()
    click.echo(f"{'id':<10} {'state':<22} {'created (UTC)':<19}  {'requester':<28} account")
    for request in requests:
        click.echo(f"{request.id:<10} {request.state:<22} {request.created[:19].replace('T', ' '):<19}  "
                   f"{request.requester:<28} {request.target_upn or request.target}")


@approvals.command("show")
@click.argument("request_id")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="The TOML config file.")
def approvals_show(request_id, config_path):
    """Show one request: its state, its approvers and votes, and its audit trail.

    Example: resetdesk approvals show R-7KQ2MX
    """
    _config, store, book = _open_book(config_path)
    try:
        request = book.get(request_id)
        if request is None:
            raise click.ClickException(f"no request {request_id}")
        votes = store.votes(request.id)
        events = [row for row in reversed(store.audit_rows(sender=request.requester))
                  if row["detail"].get("request_id") == request.id]
    finally:
        store.close()
    for label, value in (("request", request.id), ("state", request.state), ("requester", request.requester),
                         ("account", f"{request.target_upn or request.target} {request.target_id or ''}".strip()),
                         ("method", request.method + (" (dry run)" if request.dry_run else "")),
                         ("approvers", ", ".join(request.approvers) or "-"),
                         ("required", request.required), ("wrong codes", request.wrong_codes),
                         ("attempts", request.attempts), ("expires", request.expires_at or "-"),
                         ("reason", " ".join(filter(None, (request.reason, request.detail))) or "-")):
        click.echo(f"{label + ':':<12} {value}")
    for vote in votes:
        click.echo(f"vote:        {vote['at'][:19].replace('T', ' ')}  {vote['approver']} {vote['vote']} "
                   f"by {vote['via']}" + (f" ({vote['reason']})" if vote["reason"] else ""))
    click.echo("audit:")
    for row in events:
        click.echo("  " + _audit_line(row))


def _decide(config_path, request_id, approver, verb, reason=""):
    from .approvals import ApprovalError

    _config, store, book = _open_book(config_path)
    try:
        answer = book.vote(request_id, approver, verb, via="cli", reason=reason)
    except ApprovalError as error:
        raise click.ClickException(str(error)) from None
    finally:
        store.close()
    if answer.result == "approved":
        click.echo(f"{answer.request_id} approved: the running desk carries it out on its next pass")
    elif answer.result == "approval_recorded":
        click.echo(f"{answer.request_id}: approval recorded ({answer.approvals} of {answer.required})")
    else:
        click.echo(f"{answer.request_id} denied: the requester and the approvers are told")


@approvals.command("approve")
@click.argument("request_id")
@click.option("--as", "approver", required=True, metavar="APPROVER",
              help="The approver's address (one the request asked).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="The TOML config file.")
def approvals_approve(request_id, approver, config_path):
    """Approve a pending request as one of its approvers.

    Example: resetdesk approvals approve R-7KQ2MX --as cto@contoso.no
    """
    _decide(config_path, request_id, approver, "approve")


@approvals.command("deny")
@click.argument("request_id")
@click.option("--as", "approver", required=True, metavar="APPROVER",
              help="The approver's address (one the request asked).")
@click.option("--reason", required=True, help="Why: the requester reads it.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="The TOML config file.")
def approvals_deny(request_id, approver, reason, config_path):
    """Deny a pending request as one of its approvers.

    Example: resetdesk approvals deny R-7KQ2MX --as cto@contoso.no --reason "she is on leave, call her first"
    """
    _decide(config_path, request_id, approver, "deny", reason)


@approvals.command("retry")
@click.argument("request_id")
@click.option("--as", "operator", required=True, metavar="PERSON", help="Who checked the mail server's log.")
@click.option("--sent", is_flag=True, help="The secret mail did leave: record the request executed instead.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="The TOML config file.")
def approvals_retry(request_id, operator, sent, config_path):
    """Settle a request in doubt: a new attempt (a new secret), or --sent if its mail did leave.

    Only after checking the mail server's log for the secret mail's Message-ID
    (resetdesk approvals show ID, resetdesk outbox list).

    Example: resetdesk approvals retry R-7KQ2MX --as ops@contoso.no
    """
    from .approvals import ApprovalError

    _config, store, book = _open_book(config_path)
    try:
        request = book.resolve_sent(request_id, operator) if sent else book.retry(request_id, operator)
    except ApprovalError as error:
        raise click.ClickException(str(error)) from None
    finally:
        store.close()
    click.echo(f"{request.id} is {request.state}" + ("" if sent else ": the running desk makes a new attempt"))
