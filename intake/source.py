"""The shape every mail source has (IMAP, Maildir): protocol-shaped verbs."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from .message import RawMessage

# Where a processed message goes; each source maps a role to a folder.
FOLDER_ROLES = ("answered", "ignored", "needs_human")


class MailSource(Protocol):
    """A mailbox the desk watches.

    Processed mail is moved out of the watched folder, so `fetch_new` simply
    returns what is still there, oldest first; the store decides what was
    already processed (a message whose move failed is seen again and only moved).
    """

    name: str
    listed: int | None   # how many messages the latest fetch_new found (progress on a terminal); None before one

    def fetch_new(self) -> Iterator[RawMessage]:
        """Every message now in the watched folder, oldest first."""

    def wait(self, timeout: float) -> bool:
        """Block until new mail may have arrived (IDLE) or `timeout` passes; True if woken by the server."""

    def move(self, message: RawMessage, role: str) -> None:
        """Move a processed message to the folder for `role` (one of FOLDER_ROLES)."""

    def move_many(self, messages: Sequence[RawMessage], role: str) -> None:
        """Move several processed messages to the folder for `role`, as few server round trips as it takes.

        Same contract as `move` for each message: one already gone is not an
        error. The service calls it once per role after a batch of decisions
        is committed, never before.
        """

    def close(self) -> None:
        """Log out and release the connection."""
