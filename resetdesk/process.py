"""The process around the desk: logging, the one-run-per-store lock, signals, exit status."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import signal
import sys
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from . import private
from .config import Config
from .errors import ConfigError, ResetdeskError
from .intake.maildir import role_folders
from .service import EXIT_CONFIG, EXIT_FAILURE, EXIT_LOCKED, EXIT_OK, Desk, Interrupted

log = logging.getLogger("resetdesk")


class AlreadyRunning(ResetdeskError):
    """Another `resetdesk run` holds the store's lock."""


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's extra fields."""

    _standard = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        entry = {"at": datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        entry.update({k: v for k, v in vars(record).items() if k not in self._standard})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(config: Config, log_format: str | None = None) -> None:
    """The `resetdesk` logger to stderr, as text or JSON lines, at the configured level."""
    handler = logging.StreamHandler(sys.stderr)
    if (log_format or config.log.format) == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("resetdesk")
    root.handlers[:] = [handler]
    root.setLevel(config.log.level)
    root.propagate = False
    # mail-parser warns about every part type it does not handle.
    logging.getLogger("mailparser").setLevel(logging.ERROR)
    # imapclient logs every server line at DEBUG, a server's echo of our LOGIN included: never ours to show.
    logging.getLogger("imapclient").setLevel(logging.WARNING)


def desk_paths(config: Config) -> list[Path]:
    """The files and folders the desk makes: the store (and its -wal, -shm, lock), the Maildirs it uses."""
    store = config.resolve_path(config.store.path)
    paths = [store, Path(f"{store}-wal"), Path(f"{store}-shm"), Path(f"{store}.lock")]
    maildirs = []
    if not (config.smtp.host or config.graph.send_mail):
        maildirs.append(config.resolve_path(config.maildir.outbox))
    if not config.imap.host:
        maildirs += [config.resolve_path(config.maildir.path), *role_folders(config).values()]
    for folder in maildirs:
        paths += [folder, folder / "tmp", folder / "new", folder / "cur"]
    return paths


def warn_wide(config: Config) -> None:
    """One warning per file or folder of the desk's that others may use, naming it and its mode."""
    for path, mode in private.wider(desk_paths(config)):
        log.warning("%s has mode %04o: others on this machine may read what the desk keeps there (chmod %s)",
                    path, mode, "0700" if path.is_dir() else "0600")


def lock(config: Config) -> IO[str]:
    """One `resetdesk run` per store: startup recovery assumes no other process is sending."""
    path = config.resolve_path(config.store.path)
    private.make_dirs(path.parent)
    handle = os.fdopen(private.open_file(f"{path}.lock", os.O_WRONLY | os.O_CREAT | os.O_APPEND), "a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise AlreadyRunning(f"another resetdesk run is using {path}") from None
    return handle


def run(config: Config, once: bool = False, log_format: str | None = None) -> int:
    """`resetdesk run`: the desk under a lock, stopped by SIGTERM/SIGINT; returns the exit status."""
    configure_logging(config, log_format)
    try:
        held = lock(config)
    except AlreadyRunning as error:
        log.error("%s", error)
        return EXIT_LOCKED
    except OSError as error:       # the store's folder or lock file cannot be made: a configuration error
        log.error("store.path: cannot create %s: %s", error.filename or config.store.path, error.strerror or error)
        return EXIT_CONFIG
    warn_wide(config)
    desk = None
    previous: dict[int, Any] = {}
    try:
        desk = Desk(config)
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, desk.stop)
        return desk.run(once=once)
    except Interrupted:
        return EXIT_OK
    except ConfigError as error:   # found only now (a secret's variable unset, a CA file unreadable)
        log.error("%s", error)
        return EXIT_CONFIG
    except ResetdeskError as error:
        log.error("%s", error)
        return EXIT_FAILURE
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if desk is not None:
            desk.close()
        held.close()
