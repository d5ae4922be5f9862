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
@click.option("--log-format", type=click.Choice(["text", "json"]), default=None, help="Log line format (default: the config's log.format).")
def run(config_path, once, log_format):
    """Run the desk: watch the mailbox, classify, reply.

    Without --once it runs until SIGTERM (or Ctrl-C), finishing the message in
    hand. One log line per message on stderr. Exit status 75 when another
    `resetdesk run` already uses the same store.

    Example: resetdesk run --once   (the local Maildir default, no servers needed)
    """
    from . import service

    config = load_config_or_exit(config_path)
    raise SystemExit(service.run(config, once=once, log_format=log_format))


def _audit_bound(value: str | None, *, end: bool) -> str | None:
    """A --since/--until value as a stored timestamp (UTC); a bare date covers its whole day."""
    from datetime import date, datetime, timedelta, timezone

    from .store import timestamp

    if not value:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value) + timedelta(days=1 if end else 0)
            moment = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
        else:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD) or an ISO 8601 time",
                                 param_hint="--until" if end else "--since") from None
    return timestamp(moment)


def _audit_line(row: dict) -> str:
    detail = " ".join(f"{k}={json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v}"
                      for k, v in row["detail"].items() if v not in (None, "", [], {}))
    return (f"{row['at'][:19].replace('T', ' ')}  {row['event']:<22} {row['sender'] or '-':<28} "
            f"{row['scenario'] or '-':<16} {detail}")


@cli.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="The TOML config file.")
@click.option("--sender", metavar="ADDR", help="Only events about this address (a requester, or a recipient of ours).")
@click.option("--scenario", metavar="S", help="Only events with this scenario (sspr, support, ...).")
@click.option("--since", metavar="DATE", help="From this day (YYYY-MM-DD) or time (ISO 8601), UTC.")
@click.option("--until", metavar="DATE", help="Up to and including this day, or before this time, UTC.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most N events (the newest).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def audit(config_path, sender, scenario, since, until, limit, as_json):
    """List the audit trail, newest first.

    Every decision, held or suppressed reply, parked message and delivery is
    an event. The store is a plain SQLite file: `sqlite-utils rows DB audit`
    and Datasette read it too.

    Example: resetdesk audit --sender anna@contoso.no --since 2026-11-01
    """
    store = _open_store(config_path)
    try:
        rows = store.audit_rows(sender=sender, scenario=scenario, since=_audit_bound(since, end=False),
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


def load_config_or_exit(path):
    """A bad config is an unusable argument: say which key, exit 2."""
    from . import config as config_module
    from .errors import ConfigError

    try:
        return config_module.load(path)
    except ConfigError as error:
        raise click.BadParameter(str(error), param_hint="--config") from None


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="The TOML config file (its [policy] decides who may request resets).")
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
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="The TOML config file (reader.model: where the model goes; reader.examples: your own examples).")
@click.option("--examples", "sources", multiple=True, type=click.Path(exists=True), help="Train on these .jsonl files or folders instead (repeatable).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Write the model here instead of reader.model or the shipped data/model.")
def train(config_path, sources, out_dir):
    """Train the learned reader on the labelled examples and write its model.

    Reads data/examples/train/*.jsonl and the folder reader.examples names,
    sorted, with a fixed seed: the same examples give the same model. Writes
    reader.json (settings, the sha256 of the examples) and reader.npz (the
    weights) to reader.model, or the shipped data/model.

    Example: resetdesk train
    """
    import time

    from .training import model_dir, train_reader

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
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid", show_default=True, help="Mermaid (Markdown, GitHub) or Graphviz DOT.")
@click.option("--data-dir", type=click.Path(file_okay=False), help="A knowledge directory other than the shipped data/.")
def graph(fmt, data_dir):
    """Export the knowledge graph: scenarios, the rules between them, actions.

    Example: resetdesk graph --format dot | dot -Tpng > graph.png
    """
    from .rules.graph import load_graph, to_dot, to_mermaid

    loaded = load_graph(f"{data_dir}/graph.toml" if data_dir else None)
    click.echo(to_mermaid(loaded) if fmt == "mermaid" else to_dot(loaded), nl=False)


def _open_store(config_path):
    from .store import Store

    config = load_config_or_exit(config_path)
    path = config.resolve_path(config.store.path)
    if not path.exists():
        raise click.ClickException(f"no store at {path}: nothing has run with this config yet")
    return Store(path)


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
