"""The embedded default mailbox: a Maildir on local disk, no server needed.

`maildir.path` is created if missing, with one Maildir++ folder per role
(`.resetdesk.answered`, `.resetdesk.ignored`, `.resetdesk.needs-human`: the
same names `[imap]` uses, so a Dovecot pointed at this Maildir shows the same
folders). Anything that drops files into `new/` (an MDA, fetchmail, a test)
feeds the desk. A message's uid is its Maildir unique name (the file name
before any `:2,` info), which never changes when the file moves.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from collections.abc import Iterator, Sequence

from ..config import Config
from ..errors import IntakeError
from ..private import make_dirs
from .message import RawMessage
from .source import FOLDER_ROLES

_WAIT_STEP = 0.1   # seconds between looks at new/ while waiting


def _folder_directory(folder: str) -> str:
    return "." + folder.strip("/").replace("/", ".")


def role_folders(config: Config, root: Path | None = None) -> dict[str, Path]:
    """The Maildir++ folder of each role under `root` (default: maildir.path)."""
    root = root if root is not None else config.resolve_path(config.maildir.path)
    folders = {"answered": config.imap.answered_folder, "ignored": config.imap.ignored_folder,
               "needs_human": config.imap.needs_human_folder}
    return {role: root / _folder_directory(folders[role]) for role in FOLDER_ROLES}


class MaildirSource:
    """A `MailSource` over a local Maildir; see intake/source.py for the verbs."""

    def __init__(self, config: Config, path: str | Path | None = None):
        self.root = Path(path) if path is not None else config.resolve_path(config.maildir.path)
        self.name = f"maildir:{self.root}"
        self.max_bytes = config.limits.max_message_bytes
        self.folders = role_folders(config, self.root)
        try:
            # 0700: the mail people wrote is readable by the desk alone (resetdesk/private.py).
            for directory in (self.root, *self.folders.values()):
                for sub in ("tmp", "new", "cur"):
                    make_dirs(directory / sub)
        except OSError as error:
            raise IntakeError(f"{self.name}: cannot create the Maildir: {error}") from error
        self._seen: set[str] = set()
        self.listed: int | None = None

    def _listing(self) -> list[tuple[int, str, Path]]:
        entries = []
        for sub in ("new", "cur"):
            try:
                with os.scandir(self.root / sub) as it:
                    for entry in it:
                        if entry.name.startswith(".") or not entry.is_file():
                            continue
                        try:
                            mtime = entry.stat().st_mtime_ns
                        except FileNotFoundError:   # moved away meanwhile
                            continue
                        entries.append((mtime, entry.name, Path(entry.path)))
            except OSError as error:
                raise IntakeError(f"{self.name}: cannot list {sub}/: {error}") from error
        entries.sort()
        return entries

    @staticmethod
    def _uid(filename: str) -> str:
        return filename.split(":", 1)[0]

    def fetch_new(self) -> Iterator[RawMessage]:
        """Every message in new/ and cur/, oldest first; bodies over the limit are not read."""
        listing = self._listing()
        self._seen = {name for _, name, _ in listing}
        self.listed = len(listing)
        for _, name, path in listing:
            try:
                size = path.stat().st_size
                data = b"" if size > self.max_bytes else path.read_bytes()
            except FileNotFoundError:
                continue
            except OSError as error:
                raise IntakeError(f"{self.name}: cannot read {name}: {error}") from error
            yield RawMessage(mailbox=self.name, uid=self._uid(name), data=data, size=size)

    def _find(self, uid: str) -> Path | None:
        for sub in ("new", "cur"):
            path = self.root / sub / uid
            if path.exists():
                return path
            for found in (self.root / sub).glob(uid + ":*"):
                return found
        return None

    def move(self, message: RawMessage, role: str) -> None:
        """Rename into the role's folder (cur/, marked seen); a message already gone is fine."""
        if role not in self.folders:
            raise ValueError(f"unknown folder role {role!r}")
        source = self._find(message.uid)
        if source is None:
            return
        target = self.folders[role] / "cur" / f"{message.uid}:2,S"
        try:
            os.replace(source, target)   # same filesystem: atomic, never two copies
        except FileNotFoundError:
            return
        except OSError as error:
            raise IntakeError(f"{self.name}: cannot move {message.uid} to {role}: {error}") from error

    def move_many(self, messages: Sequence[RawMessage], role: str) -> None:
        """One rename per message: a local rename is as cheap as it gets."""
        for message in messages:
            self.move(message, role)

    def wait(self, timeout: float) -> bool:
        """Look at new/ and cur/ until a message not seen by the last fetch appears, or `timeout`."""
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            for sub in ("new", "cur"):
                try:
                    names = os.listdir(self.root / sub)
                except OSError:
                    names = []
                if any(not n.startswith(".") and n not in self._seen for n in names):
                    return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(min(_WAIT_STEP, remaining))

    def close(self) -> None:
        """Nothing to release: a Maildir is only files."""
        pass
