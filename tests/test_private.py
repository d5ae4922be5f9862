"""What the desk keeps is readable by the desk alone: 0600 files, 0700 folders, whatever the umask."""

from __future__ import annotations

import contextlib
import os
import stat

import pytest

from resetdesk import config as config_module
from resetdesk import private, process
from resetdesk.service import Desk
from test_service_maildir import RecordingClassifier, drop, make_mail, run_desk, write_config


@contextlib.contextmanager
def umask(mask: int):
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def desk_made(var) -> tuple[list, list]:
    """(folders, files) under var/ that the desk made: all but the mail files the test dropped."""
    folders, files = [], []
    for root, dirnames, filenames in os.walk(var):
        folders += [os.path.join(root, d) for d in dirnames]
        files += [os.path.join(root, f) for f in filenames if not f.endswith(".test") and ".test:" not in f]
    return [var, *folders], files


@pytest.mark.parametrize("mask", [0o022, 0o000], ids=["umask-022", "umask-000"])
def test_everything_the_desk_creates_is_private(tmp_path, mask):
    config = config_module.load(write_config(tmp_path))
    var = tmp_path / "var"
    with umask(mask):
        lock = process.lock(config)
        desk = Desk(config, classifier=RecordingClassifier())
        try:
            drop(desk.source.root, make_mail(message_id="<p1@contoso.no>"), "p1.test")
            desk.run(once=True)
            store = config.resolve_path(config.store.path)
            # While the store is open its -wal and -shm exist: SQLite made them like the database file.
            assert {p.name for p in store.parent.iterdir()} >= {"resetdesk.db", "resetdesk.db-wal",
                                                                 "resetdesk.db-shm", "resetdesk.db.lock"}
            folders, files = desk_made(var)
            assert len(files) >= 5 and any("outbox" in f for f in files)
            assert {f: oct(mode(f)) for f in files if mode(f) != 0o600} == {}
            assert {d: oct(mode(d)) for d in folders if mode(d) != 0o700} == {}
        finally:
            desk.close()
            lock.close()


@pytest.mark.parametrize("mask", [0o022, 0o000], ids=["umask-022", "umask-000"])
def test_resetdesk_run_creates_only_private_files(tmp_path, mask):
    config_path = write_config(tmp_path)
    with umask(mask):
        first = run_desk(config_path)                  # makes the store, the Maildir, the outbox
    assert first.returncode == 0, first.stderr
    drop(tmp_path / "var" / "maildir", make_mail(message_id="<p2@contoso.no>"), "p2.test")
    with umask(mask):
        second = run_desk(config_path)
    assert second.returncode == 0, second.stderr
    assert "mode" not in first.stderr + second.stderr            # nothing to warn about
    folders, files = desk_made(tmp_path / "var")
    assert any(f.endswith(".resetdesk") for f in files)          # the reply in the outbox
    assert {f: oct(mode(f)) for f in files if mode(f) != 0o600} == {}
    assert {d: oct(mode(d)) for d in folders if mode(d) != 0o700} == {}


def test_run_warns_about_what_others_may_read(tmp_path):
    config_path = write_config(tmp_path)
    assert run_desk(config_path).returncode == 0
    store = tmp_path / "var" / "resetdesk.db"
    store.chmod(0o644)
    (tmp_path / "var" / "outbox" / "new").chmod(0o755)
    result = run_desk(config_path)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "WARNING" in line and "mode" in line]
    assert any(f"{store} has mode 0644" in line for line in warnings), result.stderr
    assert any(f"{tmp_path / 'var' / 'outbox' / 'new'} has mode 0755" in line for line in warnings), result.stderr
    assert len(warnings) == 2, warnings
    assert mode(store) == 0o644                      # warned about, not changed behind the operator's back


def test_make_dirs_leaves_existing_folders_alone(tmp_path):
    (tmp_path / "shared").mkdir(mode=0o755)
    (tmp_path / "shared").chmod(0o755)
    with umask(0):
        private.make_dirs(tmp_path / "shared" / "a" / "b")
    assert mode(tmp_path / "shared") == 0o755
    assert mode(tmp_path / "shared" / "a") == 0o700 and mode(tmp_path / "shared" / "a" / "b") == 0o700
    assert [p for p, _ in private.wider([tmp_path / "shared", tmp_path / "shared" / "a", tmp_path / "nope"])] == [
        tmp_path / "shared"]
