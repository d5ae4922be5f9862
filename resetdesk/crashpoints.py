"""Test hooks: die at a named point, like a power cut, when the environment says so."""

from __future__ import annotations

import os
import signal

CRASH_ENV = "RESETDESK_TEST_CRASH_AT"


def crash_point(name: str) -> None:
    """For the exactly-once tests: SIGKILL this process here when RESETDESK_TEST_CRASH_AT names it."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
