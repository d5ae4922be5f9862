"""Flood and loop protection: whether an automatic mail may go out now.

Checked inside the transaction that records the decision, from the outbox
itself, so the counts and the new row are one atomic step and a restart
forgets nothing. Two outcomes besides "go ahead":

suppressed
    Never answer this at all: the address is a machine's (postmaster,
    mailer-daemon, no-reply, ...), the desk's own, or the message says it is
    automatic (RFC 3834: Auto-Submitted other than "no", a null Return-Path,
    List-* headers, Precedence bulk/list/junk, our loop marker). No outbox row
    is written; an audit event records the reason; the message goes to the
    `ignored` folder. (The classifier already says `ignore` for machine mail;
    this is the last check before anything is written for sending.)
held
    A person may well deserve an answer, but not another automatic one now:
    too many replies to this sender in `limits.sender_window_minutes`, too
    many in all in `limits.total_window_minutes`, or the same guidance to the
    same sender within `limits.same_guidance_window_minutes`. The reply is
    written as an outbox row with status `held` (so an operator can read it
    and release it), an audit event records the reason, and the message goes
    to `needs_human`: a held-back message from a person must reach a person,
    while a looping auto-responder stops getting answers and so stops writing.

Defaults (config.py) are stricter than Zammad's 10 per 10 minutes per ticket
and 30 per 10 minutes overall: 5 per sender per hour, 30 per 10 minutes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..config import Config
from ..intake.message import InboundMail
from ..store import Store
from .compose import LOOP_HEADER, desk_address

SUPPRESSED = "suppressed"
HELD = "held"

# The local part, without a +tag: postmaster, mailer-daemon, no-reply, noreply,
# no_reply, do-not-reply, donotreply, and those with a suffix (noreply-billing).
_MACHINE_LOCAL = re.compile(
    r"^(postmaster|mailer[-_.]?daemon|no[-_.]?reply|do[-_.]?not[-_.]?reply)([-_.].*)?$", re.IGNORECASE)
_BULK_PRECEDENCE = {"bulk", "list", "junk"}


@dataclass(frozen=True)
class Verdict:
    """Whether to send: `outcome` is None (go ahead), SUPPRESSED or HELD, with the reason."""

    outcome: str | None = None
    reason: str = ""

    @property
    def allowed(self) -> bool:
        return self.outcome is None


GO = Verdict()


def machine_address(address: str) -> bool:
    local = address.rpartition("@")[0].split("+", 1)[0]
    return bool(_MACHINE_LOCAL.match(local))


def own_addresses(config: Config) -> set[str]:
    return {a.strip().lower() for a in (config.policy.desk_address, config.smtp.from_address,
                                        desk_address(config)) if a}


def automatic_reason(mail: InboundMail) -> str:
    """Why RFC 3834 forbids answering this message, or ''."""
    if mail.return_path == "":
        return "null Return-Path (<>): a bounce or notification"
    auto = mail.header("auto-submitted").strip().lower()
    if auto and auto.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {auto}"
    if mail.header(LOOP_HEADER):
        return f"carries our loop marker {LOOP_HEADER}"
    if any(name.startswith("list-") for name, _ in mail.headers):
        return "mailing list mail (List-* headers)"
    if mail.header("precedence").strip().lower() in _BULK_PRECEDENCE:
        return f"Precedence: {mail.header('precedence').strip().lower()}"
    return ""


def check_reply(store: Store, config: Config, mail: InboundMail, recipient: str,
                guidance: str) -> Verdict:
    """May the desk send reply `guidance` (a template or scenario name) to `recipient` now?"""
    limits = config.limits
    recipient = recipient.strip().lower()
    if not recipient:
        return Verdict(SUPPRESSED, "no address to reply to")
    if recipient in own_addresses(config):
        return Verdict(SUPPRESSED, "the sender is the desk itself")
    if machine_address(recipient):
        return Verdict(SUPPRESSED, f"{recipient} is a machine's address")
    reason = automatic_reason(mail)
    if reason:
        return Verdict(SUPPRESSED, reason)
    if store.count_outgoing(limits.same_guidance_window_minutes, recipient=recipient,
                            kind="reply", template=guidance, cap=1):
        return Verdict(HELD, f"the same guidance ({guidance}) went to {recipient} within "
                             f"{limits.same_guidance_window_minutes} minutes")
    sent = store.count_outgoing(limits.sender_window_minutes, recipient=recipient, kind="reply",
                                cap=limits.replies_per_sender)
    if sent >= limits.replies_per_sender:
        return Verdict(HELD, f"{sent} replies to {recipient} within {limits.sender_window_minutes} "
                             f"minutes (limit {limits.replies_per_sender})")
    return check_total(store, config)


def check_total(store: Store, config: Config) -> Verdict:
    """The desk-wide cap, which escalations count against too."""
    limits = config.limits
    total = store.count_outgoing(limits.total_window_minutes, cap=limits.replies_total)
    if total >= limits.replies_total:
        return Verdict(HELD, f"{total} automatic mails within {limits.total_window_minutes} minutes "
                             f"(limit {limits.replies_total})")
    return GO
