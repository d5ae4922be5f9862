"""Flood and loop protection: whether an automatic mail may go out, and when.

Checked inside the transaction that records the decision, from the outbox
itself, so the counts and the new row are one atomic step and a restart
forgets nothing. Three outcomes besides "go ahead now":

suppressed
    Never answer this at all: the address is a machine's (postmaster,
    mailer-daemon, no-reply, ...), the desk's own, or the message says it is
    automatic (rules/machine.py owns those signals, and the classifier reads
    the same ones). No outbox row is written; an audit event records the
    reason; the message goes to the `ignored` folder.
held
    Loops are stopped where they start, per sender and per thread. A person
    may well deserve an answer, but not another automatic one now: the same
    guidance to the same sender within `same_guidance_window_minutes`, more
    than `replies_per_sender` replies to one sender in `sender_window_minutes`
    (`replies_per_requester` for addresses on `policy.requesters`), or more
    than `replies_per_thread` of our replies in one thread. The reply is
    written as an outbox row with status `held` (an operator can read it and
    release it), an audit event records the reason, and the message goes to
    `needs_human`: what is held reaches a person, while a looping
    auto-responder stops getting answers and so stops writing.
deferred
    The desk-wide cap, `replies_total` per `total_window_minutes`, is a fuse
    against a loop nobody caught, not a throttle on real mail: a mail over it
    is queued as usual with a due time when the window allows, and goes out
    by itself then. The message is answered, not parked.

Defaults (config.py), and why:
- 5 replies per sender per hour, the same guidance once a day: a person
  needs one or two answers; an auto-responder that answers everything is
  stopped by the second identical guidance, one that varies by the fifth.
  Zammad caps 10 per 10 minutes per ticket, FreeScout 10 per 3 hours.
- 30 per hour for a requester: one acknowledgement per account an IT lead
  asks to reset (seven in an hour is a normal morning), and no same-guidance
  rule for them, since every request names another account.
- 3 replies per thread: the deepest walk the graph makes in one thread is
  guidance, then an admin reset, then support; a fourth automatic answer in
  one thread is a conversation for a person.
- 300 mails per 10 minutes in all: 30 a minute, Exchange Online's own
  message rate limit for one mailbox (it throttles submissions beyond it), and
  far above a busy morning (120 people in an hour).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..config import Config
from ..intake.message import InboundMail
from ..rules import machine
from ..store import Store, timestamp

SUPPRESSED = "suppressed"
HELD = "held"
DEFERRED = "deferred"
_THREAD_IDS = 50     # the newest References looked at: a thread's depth, bounded against hostile headers


@dataclass(frozen=True)
class Verdict:
    """Whether to send: `outcome` None (go ahead), SUPPRESSED, HELD or DEFERRED (until `due_at`), with the reason."""

    outcome: str | None = None
    reason: str = ""
    due_at: datetime | None = None

    @property
    def allowed(self) -> bool:
        """The mail goes out now."""
        return self.outcome is None


GO = Verdict()


def machine_address(address: str) -> bool:
    """postmaster, mailer-daemon, no-reply and kin (rules/machine.py)."""
    return machine.machine_address(address)


def own_addresses(config: Config) -> frozenset[str]:
    """Every address the desk sends as (rules/machine.py)."""
    return machine.own_addresses(config)


def check_reply(store: Store, config: Config, mail: InboundMail, recipient: str,
                guidance: str) -> Verdict:
    """May the desk send reply `guidance` (a template or scenario name) to `recipient`, and when?"""
    limits = config.limits
    recipient = recipient.strip().lower()
    if not recipient:
        return Verdict(SUPPRESSED, "no address to reply to")
    own = own_addresses(config)
    if recipient in own:
        return Verdict(SUPPRESSED, "the sender is the desk itself")
    if machine_address(recipient):
        return Verdict(SUPPRESSED, f"{recipient} is a machine's address")
    reason = machine.automatic_reason(mail, own)
    if reason:
        return Verdict(SUPPRESSED, reason)

    requester = recipient in config.policy.requesters
    if not requester and store.count_outgoing(limits.same_guidance_window_minutes, recipient=recipient,
                                              kind="reply", template=guidance, cap=1):
        return Verdict(HELD, f"the same guidance ({guidance}) went to {recipient} within "
                             f"{limits.same_guidance_window_minutes} minutes")
    thread = [mail.in_reply_to, *reversed(mail.references[-_THREAD_IDS:])]
    ours = store.count_replies_among(thread)
    if ours >= limits.replies_per_thread:
        return Verdict(HELD, f"{ours} replies of ours in this thread already "
                             f"(limit {limits.replies_per_thread})")
    cap = limits.replies_per_requester if requester else limits.replies_per_sender
    sent = store.count_outgoing(limits.sender_window_minutes, recipient=recipient, kind="reply", cap=cap)
    if sent >= cap:
        return Verdict(HELD, f"{sent} replies to {recipient} within {limits.sender_window_minutes} "
                             f"minutes (limit {cap})")
    return check_total(store, config)


def check_total(store: Store, config: Config) -> Verdict:
    """The desk-wide fuse, which escalations count against too: over it, the mail waits its turn."""
    limits = config.limits
    if not limits.total_window_minutes:
        return GO
    due = store.fuse_slot(limits.total_window_minutes, limits.replies_total)
    if due is None:
        return GO
    return Verdict(DEFERRED, f"over {limits.replies_total} automatic mails within {limits.total_window_minutes} "
                             f"minutes: waits until {timestamp(due)[:19].replace('T', ' ')} UTC", due)
