"""The process around the desk: logging, the one-run-per-store lock, signals, exit status."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
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
        """The record as one JSON line."""
        entry = {"at": datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        entry.update({k: v for k, v in vars(record).items() if k not in self._standard})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class Progress:
    """One line on a terminal that `run --once` keeps current while it works through a backlog.

    "resetdesk: 1,200 of 5,000 messages (412/s, about 9 s left)", redrawn at
    most every `interval` seconds. Log lines written through `stream()` clear
    it first and redraw it after, so the two never garble each other.
    """

    def __init__(self, terminal: IO[str], total: Callable[[], int | None] = lambda: None, interval: float = 0.2,
                 clock: Callable[[], float] = time.monotonic):
        self.terminal = terminal
        self.total = total          # how many there are, if the source knows
        self.interval = interval
        self.clock = clock
        self.started = clock()
        self.line = ""
        self._drawn_at = 0.0

    def __call__(self, done: int) -> None:
        now = self.clock()
        total = self.total()
        if now - self._drawn_at < self.interval and (total is None or done < total):
            return
        self._drawn_at = now
        elapsed = max(now - self.started, 1e-6)
        rate = done / elapsed
        text = f"resetdesk: {done:,}" + (f" of {total:,}" if total else "") + f" messages ({rate:,.0f}/s"
        if total and rate > 0 and done < total:
            text += f", about {_seconds((total - done) / rate)} left"
        self.line = text + ")"
        self._draw()

    def _draw(self) -> None:
        self.terminal.write("\r\x1b[K" + self.line)
        self.terminal.flush()

    def stream(self) -> IO[str]:
        """A stream for the log handler: each write clears the progress line and redraws it after."""
        progress = self

        class _Stream:
            def write(self, text: str) -> int:
                if progress.line:
                    progress.terminal.write("\r\x1b[K")
                progress.terminal.write(text)
                if progress.line and text.endswith("\n"):
                    progress._draw()
                return len(text)

            def flush(self) -> None:
                progress.terminal.flush()

        return _Stream()  # type: ignore[return-value]

    def finish(self) -> None:
        """Leave the last figures on their own line."""
        if self.line:
            self.terminal.write("\n")
            self.terminal.flush()
            self.line = ""


def _seconds(value: float) -> str:
    return f"{value:.0f} s" if value < 90 else f"{value / 60:.0f} min"


def configure_logging(config: Config, log_format: str | None = None, stream: IO[str] | None = None) -> None:
    """The `resetdesk` logger to stderr (or `stream`), as text or JSON lines, at the configured level."""
    handler = logging.StreamHandler(stream or sys.stderr)
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


def run(config: Config, once: bool = False, log_format: str | None = None, terminal: IO[str] | None = None) -> int:
    """`resetdesk run`: the desk under a lock, stopped by SIGTERM/SIGINT; returns the exit status.

    With `once` and stderr on a terminal (`terminal`, for tests), a progress
    line shows how far a backlog has got.
    """
    terminal = terminal if terminal is not None else (sys.stderr if sys.stderr.isatty() else None)
    progress = Progress(terminal) if once and terminal is not None else None
    configure_logging(config, log_format, progress.stream() if progress is not None else None)
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
    previous: dict[signal.Signals, Any] = {}
    try:
        desk = Desk(config)
        if progress is not None:
            source = desk.source
            progress.total = lambda: getattr(source, "listed", None)
            desk.progress = progress
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
        if progress is not None:
            progress.finish()
        held.close()
