"""Files and folders only the desk's own user may read: 0600 and 0700, whatever the umask.

The store holds people's mail, decisions and reset requests; the outbox holds
replies. Everything the desk creates goes through here: folders are made
0700 and files 0600, set explicitly after creation because the umask only
ever takes bits away (and a umask of 000 would leave nothing to take). What
already exists is left as it is: `wider()` lets `run` warn about it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from collections.abc import Iterable



DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def make_dirs(path: str | os.PathLike) -> Path:
    """`mkdir -p` with every folder it creates 0700; existing ones are left alone."""
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for directory in reversed(missing):
        try:
            os.mkdir(directory, DIRECTORY_MODE)
        except FileExistsError:     # made meanwhile by someone else: theirs to set
            continue
        os.chmod(directory, DIRECTORY_MODE)
    return path


def open_file(path: str | os.PathLike, flags: int = os.O_WRONLY | os.O_CREAT) -> int:
    """os.open() that gives a file it creates mode 0600; returns the descriptor."""
    existed = os.path.exists(path)
    descriptor = os.open(path, flags | getattr(os, "O_CLOEXEC", 0), FILE_MODE)
    if not existed:
        try:
            os.fchmod(descriptor, FILE_MODE)
        except OSError:
            os.close(descriptor)
            raise
    return descriptor


def touch(path: str | os.PathLike) -> None:
    """Create an empty 0600 file if there is none."""
    os.close(open_file(path, os.O_WRONLY | os.O_CREAT))


def wider(paths: Iterable[str | os.PathLike]) -> list[tuple[Path, int]]:
    """The existing paths among `paths` that group or others may use: (path, permission bits)."""
    found = []
    for path in paths:
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except OSError:
            continue
        if mode & 0o077:
            found.append((Path(path), mode))
    return found
