"""`resetdesk run --once` on a terminal: a progress line over a backlog, kept apart from the log lines."""

from __future__ import annotations

import io

from resetdesk import config as config_module
from resetdesk.process import Progress, run
from test_service_maildir import drop, make_mail, write_config


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_counts_against_the_listing_and_estimates_the_rest():
    terminal, ticks = Terminal(), iter([0.0, 1.0, 1.1, 2.0, 4.0])
    progress = Progress(terminal, lambda: 400, clock=lambda: next(ticks))
    progress(100)
    assert terminal.getvalue().endswith("resetdesk: 100 of 400 messages (100/s, about 3 s left)")
    progress(110)                                       # 0.1 s later: not redrawn
    assert "110" not in terminal.getvalue()
    progress(200)
    progress(400)                                       # the last one is always drawn
    assert terminal.getvalue().endswith("resetdesk: 400 of 400 messages (100/s)")
    log = progress.stream()
    log.write("a log line\n")
    assert terminal.getvalue().endswith("\r\x1b[Ka log line\n\r\x1b[Kresetdesk: 400 of 400 messages (100/s)")
    progress.finish()
    assert terminal.getvalue().endswith("(100/s)\n")


def test_run_once_on_a_terminal_shows_the_backlog_going_down(tmp_path):
    path = write_config(tmp_path)
    config = config_module.load(path)
    for n in range(120):
        drop(tmp_path / "var" / "maildir", make_mail(sender=f"p{n}@contoso.no", message_id=f"<p{n}@x>"))
    terminal = Terminal()
    assert run(config, once=True, terminal=terminal) == 0
    shown = terminal.getvalue()
    assert "resetdesk: 120 of 120 messages" in shown and shown.endswith(")\n")
    assert shown.count("\r\x1b[K") >= 3                 # redrawn as it went, log lines kept apart


def test_without_a_terminal_there_is_no_progress_line(tmp_path, capsys):
    config = config_module.load(write_config(tmp_path))
    drop(tmp_path / "var" / "maildir", make_mail())
    assert run(config, once=True, terminal=None) == 0
    assert "\x1b[K" not in capsys.readouterr().err
