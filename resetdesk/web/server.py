"""Serving the console: waitress on loopback unless told otherwise, a one-time link for --local, SIGTERM stops it."""

from __future__ import annotations

import getpass
import ipaddress
import logging
import signal
import sys
from typing import IO, Any

from ..config import Config
from ..errors import ConfigError
from .access import Principal, roles_for

log = logging.getLogger("resetdesk.web")

THREADS = 4


def local_principal(config: Config, as_approver: str | None = None) -> Principal:
    """Who a --local session is: the host's user as an operator, or `as_approver` (who must be on policy.approvers)."""
    if as_approver:
        address = as_approver.strip().lower()
        roles = roles_for(config, address)
        if "approver" not in roles:
            raise ConfigError(f"--as {address}: not on policy.approvers")
        return Principal(address, address, roles, "local")
    return Principal(f"local:{getpass.getuser()}", f"{getpass.getuser()} (on this host)", frozenset({"operator"}),
                     "local")


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def serve(config: Config, *, local: bool = False, as_approver: str | None = None, bind: str | None = None,
          port: int | None = None, out: IO[str] = sys.stdout) -> int:
    """Run the console until SIGTERM or Ctrl-C; returns the exit status."""
    from waitress import create_server

    from .app import create_app

    principal = local_principal(config, as_approver) if local else None
    host = "127.0.0.1" if local else (bind or config.web.bind)
    holder: dict[str, Any] = {}

    def application(environ, start_response):
        return holder["app"](environ, start_response)

    # X-Forwarded-* reach the app (its ProxyFix reads them) only with web.trust_proxy; else waitress drops them.
    server = create_server(application, host=host, port=config.web.port if port is None else port,
                           threads=THREADS, ident="resetdesk",
                           clear_untrusted_proxy_headers=not config.web.trust_proxy)
    actual = server.effective_port
    base_url = config.web.public_url or f"http://{host}:{actual}"
    app = create_app(config, base_url=base_url, local_principal=principal)
    holder["app"] = app
    desk = app.extensions["resetdesk"]
    if not is_loopback(host) and not base_url.startswith("https://"):
        log.warning("the console listens on %s without TLS: put it behind a TLS reverse proxy and set web.public_url",
                    host)

    def stop(signum, frame):
        raise SystemExit(0)

    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        if principal is not None:
            token = desk.local_tokens.issue()
            # One line, like Jupyter's: the link signs in once, within 10 minutes.
            print(f"http://127.0.0.1:{actual}/auth/local?token={token}", file=out, flush=True)
        else:
            log.info("console on %s (listening on %s:%s; Entra ID redirect URI %s/auth/callback)",
                     base_url, host, actual, base_url)
        server.run()
    except SystemExit:
        pass
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        server.close()
        desk.stores.close()
    return 0
