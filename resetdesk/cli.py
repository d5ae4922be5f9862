"""The thin command line over the library: `resetdesk --help`."""

from __future__ import annotations

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
