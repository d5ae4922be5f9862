"""The thin command line over the library: `resetdesk --help`."""

from __future__ import annotations

import json

import click

from . import __version__


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

    Example: resetdesk run --once   (the local Maildir default, no servers needed)
    """
    from . import config as config_module
    from . import service

    config = config_module.load(config_path)
    raise SystemExit(service.run(config, once=once, log_format=log_format))


@cli.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="The TOML config file.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def audit(config_path, as_json):
    """List the audit trail.

    Example: resetdesk audit --sender anna@contoso.no --since 2026-11-01
    """
    raise NotImplementedError("being written")


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
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid", show_default=True, help="Mermaid (Markdown, GitHub) or Graphviz DOT.")
@click.option("--data-dir", type=click.Path(file_okay=False), help="A knowledge directory other than the shipped data/.")
def graph(fmt, data_dir):
    """Export the knowledge graph: scenarios, the rules between them, actions.

    Example: resetdesk graph --format dot | dot -Tpng > graph.png
    """
    from .rules.graph import load_graph, to_dot, to_mermaid

    loaded = load_graph(f"{data_dir}/graph.toml" if data_dir else None)
    click.echo(to_mermaid(loaded) if fmt == "mermaid" else to_dot(loaded), nl=False)
