"""Facts out of a parsed mail: booleans and small strings, all computed in Python.

The rules engine only ever sees the booleans in `Facts.flags`; the rest
(language, sender, the phrases that matched, the machine-mail signals) goes
into the decision's record so a person can see why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from typing import Any

from ..config import Config
from ..errors import KnowledgeError
from ..intake.address import AddressError, canonical_domain, normalise_address
from ..intake.message import InboundMail
from ..intake.parse import clean_header_text
from . import authresults, machine
from .exchange import verify_exchange_online
from .graph import Graph
from .lexicon import Lexicon, fold
from .text import new_text_parts

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Starts only where a local part can start (not inside a run of its characters):
# without the lookbehind a run of n such characters and no '@' costs n^2 steps.
_ADDRESS = re.compile(r"(?<![\w.+'-])[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_NORWEGIAN_LETTERS = re.compile("[æøåÆØÅ]")
# Facts that show the body speaks on the topic; when none holds, the subject is read too.
_BODY_SPEAKS = ("password_lost", "forgot_username", "reset_request", "recovery_topic", "resolved")
_ANSWER_FACTS = ("answer_yes", "answer_no", "answer_unsure")
_SUBJECT_FACTS = ("password_lost", "forgot_username", "reset_request", "recovery_topic", "phishing_lure")
# The budget of every mail, whatever its size. The writer's new words stand at
# the top: the quote and signature cutter reads the first MAX_SCAN_CHARS of the
# text (50 screens of mail), the lexicons the first MAX_TEXT_CHARS of what it
# keeps (about two pages, ten times the longest plea in the corpora), the
# subject its first MAX_SUBJECT_CHARS (a header line's limit, RFC 5322 2.1.1).
MAX_SCAN_CHARS = 100_000
MAX_TEXT_CHARS = 10_000
MAX_SUBJECT_CHARS = 998


# The one registry of the facts the extractor emits (the booleans the rules
# see). data/graph.toml must declare exactly these: a graph fact nobody emits
# would be silently false, an emitted fact the graph does not know is a typo.
FACTS = (
    "machine_mail", "followup", "phishing_lure", "forgot_username", "reset_request", "password_lost",
    "recovery_topic", "signed_in", "signed_in_admin_center", "only_admin", "no_other_admin",
    "beyond_reset", "resolved", "not_help_request", "sspr_failed", "followup_failed",
    "requester_listed", "sender_verified", "spam_verdict",
    # Set by the classifier after extraction (rules/engine.py): the learned reader's
    # facts, the guards an approval needs, and the reading of an answer to our question.
    "machine_text", "other_system", "unsettled", "no_account_named", "request_unconfirmed", "answer_unclear",
)
# The lexicon classes the extractor reads: the lexicon facts above, and the
# ones that only feed another fact (guidance_failed -> followup_failed).
LEXICON_CLASSES = (
    "phishing_lure", "forgot_username", "reset_request", "password_lost", "recovery_topic", "signed_in",
    "signed_in_admin_center", "only_admin", "no_other_admin", "beyond_reset", "resolved",
    "not_help_request", "sspr_failed", "guidance_failed",
    "answer_yes", "answer_no", "answer_unsure",          # read only in an answer to our question
)


def check_facts(graph: Graph, lexicon: Lexicon) -> None:
    """The graph declares exactly the emitted facts, and the lexicon has phrases only for classes read here."""
    declared, emitted = set(graph.facts), set(FACTS)
    problems = []
    if declared - emitted:
        problems.append(f"graph.toml declares facts no extractor emits: {', '.join(sorted(declared - emitted))}")
    if emitted - declared:
        problems.append(f"graph.toml does not declare emitted facts: {', '.join(sorted(emitted - declared))}")
    unread = set(lexicon.facts) - set(LEXICON_CLASSES)
    if unread:
        problems.append(f"lexicons have phrases for classes nothing reads: {', '.join(sorted(unread))}")
    if problems:
        raise KnowledgeError("; ".join(problems))


@dataclass
class Facts:
    """The facts of one mail: the booleans the rules see, and what explains them."""
    flags: dict[str, bool]
    language: str
    sender: str
    targets: list[str] = field(default_factory=list)
    evidence: dict[str, str] = field(default_factory=dict)
    machine_signals: list[str] = field(default_factory=list)
    verification: str = ""
    identity_error: str = ""
    learned: dict[str, Any] = field(default_factory=dict)   # the learned reader's scores and evidence
    own_text: str = ""              # the new text (for the learned reader; not recorded)
    forwarded_text: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The facts as the decision records them: every boolean plus language, sender and evidence."""
        data: dict[str, Any] = dict(self.flags)
        data.update(language=self.language, sender=self.sender, targets=self.targets,
                    evidence=self.evidence, machine_signals=self.machine_signals,
                    verification=self.verification, identity_error=self.identity_error,
                    learned=self.learned)
        return data


def verify_sender(mail: InboundMail, trusted: tuple[str, ...]) -> tuple[bool, str]:
    """RFC 8601: only the topmost Authentication-Results from a trusted authserv-id counts.

    Headers below it may be forged by the sender, and headers of other
    authserv-ids say nothing about us. That header is read raw (never RFC
    2047-decoded) with RFC 8601's grammar; every dmarc result in it must be
    `pass` with a header.from equal to the From domain (IDNA and case
    normalised). A sender identity that is ambiguous is never verified.
    Returns (verified, why).
    """
    if mail.identity_error:
        return False, f"sender identity ambiguous: {mail.identity_error}"
    if not mail.from_addr or "@" not in mail.from_addr:
        return False, "no From address"
    domain = mail.from_addr.rsplit("@", 1)[1]
    trusted_ids = {t.strip().lower().rstrip(".") for t in trusted}
    for name, value in mail.raw_headers:
        if name != "authentication-results":
            continue
        authserv = authresults.authserv_id(value)
        if authserv not in trusted_ids:
            continue
        try:
            header = authresults.parse(value)
        except authresults.AuthResultsError as error:
            return False, f"{authserv}: unparseable Authentication-Results ({_shown(str(error), 200)})"
        dmarc = [result for result in header.results if result.method == "dmarc"]
        if not dmarc:
            return False, f"{authserv}: no dmarc result"
        for result in dmarc:
            header_from = _header_from(result)
            if result.result != "pass" or header_from != domain:
                shown = _shown(_property(result, "header", "from") or "?", 100)
                return False, (f"{authserv}: dmarc={_shown(result.result, 40)} header.from={shown} "
                               f"(From domain {domain})")
        return True, f"{authserv}: dmarc=pass header.from={domain}"
    return False, "no Authentication-Results header from a trusted authserv-id"


def _shown(text: str, limit: int) -> str:
    """Header text the sender may have written, safe to record."""
    return clean_header_text(text)[:limit]


def _property(result, ptype: str, name: str) -> str:
    """The first ptype.name=value of a result ('' without one): read from the list, whatever class authres chose."""
    for prop in result.properties:
        if prop.type == ptype and prop.name == name:
            return prop.value or ""
    return ""


def _header_from(result) -> str:
    """A dmarc result's header.from as a canonical domain, '' when it has none or it is not a host name."""
    value = _property(result, "header", "from")
    try:
        return canonical_domain(value) if value and "@" not in value else ""
    except AddressError:
        return ""


def verify(mail: InboundMail, config: Config) -> tuple[bool, str]:
    """The sender verification `policy.verification` chooses (requesters and approvers alike).

    An ambiguous identity (intake/address.py: not exactly one strictly parsed
    From mailbox, a smuggled header line) is never verified: DMARC and
    Exchange vouch for one From address, not for whoever a client shows.
    """
    problem = mail.identity_problem(config.policy.reply_address)
    if problem:
        return False, f"sender identity ambiguous: {problem}"
    if config.policy.verification == "exchange-online":
        return verify_exchange_online(mail, config.oauth.tenant_id, config.policy.allow_hybrid)
    return verify_sender(mail, config.policy.trusted_authserv_ids)


class FactExtractor:
    """Turns an InboundMail into Facts using the lexicon and the policy."""

    def __init__(self, config: Config, lexicon: Lexicon):
        self.config = config
        self.policy = config.policy
        self.lexicon = lexicon
        # Compared in the form the parser gives From: Kari.Nordmann@BLÅBÆR.no is kari.nordmann@xn--blbr-roah.no.
        self.requesters = frozenset(normalise_address(a) for a in config.policy.requesters)
        self.own = machine.own_addresses(config)
        self.spam_verdicts = config.spam.verdicts

    def machine_signals(self, mail: InboundMail) -> tuple[list[str], list[str]]:
        """(strong, weak) machine-mail signals: see rules/machine.py, which owns them."""
        return machine.header_signals(mail, self.own), machine.weak_signals(mail, self.lexicon)

    def language(self, text: str, folded: str | None = None) -> str:
        """Norwegian (bokmål or nynorsk) or English, by counting each language's common words."""
        scores = {"nb": 0, "en": 0}
        weights = self.lexicon.word_weights
        for word in _WORD.findall(fold(text) if folded is None else folded):
            weight = weights.get(word)
            if weight is not None:
                scores["nb"] += weight[0]
                scores["en"] += weight[1]
        if _NORWEGIAN_LETTERS.search(text):
            scores["nb"] += 2
        return "nb" if scores["nb"] > scores["en"] else "en"

    def extract(self, mail: InboundMail, followup: bool = False) -> Facts:
        """The facts of `mail`; `followup` when it answers our earlier reply in its thread."""
        subject_text = mail.subject[:MAX_SUBJECT_CHARS]
        own, forwarded = new_text_parts(mail.text[:MAX_SCAN_CHARS], subject_text)
        own = own[:MAX_TEXT_CHARS]
        body = f"{own}\n{forwarded}".strip()[:MAX_TEXT_CHARS] if forwarded else own
        folded_body = fold(body)
        lexicon = self.lexicon

        strong, weak = self.machine_signals(mail)
        if strong:
            # Machine mail is never answered whatever it says (the first rule
            # of the graph): its text is not searched for intents.
            evidence = {}
        else:
            folded_body = lexicon.unmask(folded_body)
            # "Your guidance failed" means something only in a thread of ours; the
            # answers to a question are read by the engine, on an answer only.
            wanted = [name for name in lexicon.facts
                      if (followup or name != "guidance_failed") and name not in _ANSWER_FACTS]
            evidence = lexicon.search(wanted, folded_body)
            # The body decides; the subject speaks only when the body says nothing on the topic.
            if not any(name in evidence for name in _BODY_SPEAKS):
                subject = lexicon.unmask(fold(subject_text))
                for name, phrase in lexicon.search(_SUBJECT_FACTS, subject).items():
                    evidence.setdefault(name, phrase)
        found = {name: True for name in evidence}
        lure = found.get("phishing_lure", False)
        signals = strong + ([] if lure else weak)

        problem = mail.identity_problem(self.policy.reply_address)
        # Nobody is verified or authorized whose identity or answer address is unsure.
        verified, why = verify(mail, self.config)
        desk = self.policy.desk_address
        named = []
        for address in _ADDRESS.findall(body):
            address = address.lower().rstrip(".")
            if address not in (mail.from_addr, desk) and address not in named:
                named.append(address)

        signed_in_admin = found.get("signed_in_admin_center", False)
        flags = {
            "machine_mail": bool(signals),
            "followup": followup,
            "phishing_lure": found.get("phishing_lure", False),
            "forgot_username": found.get("forgot_username", False),
            "reset_request": found.get("reset_request", False),
            "password_lost": found.get("password_lost", False),
            "recovery_topic": found.get("recovery_topic", False),
            "signed_in": found.get("signed_in", False) or signed_in_admin,
            "signed_in_admin_center": signed_in_admin,
            "only_admin": found.get("only_admin", False),
            "no_other_admin": found.get("no_other_admin", False) or found.get("only_admin", False),
            "beyond_reset": found.get("beyond_reset", False),
            "resolved": found.get("resolved", False),
            "not_help_request": found.get("not_help_request", False),
            "sspr_failed": found.get("sspr_failed", False),
            "followup_failed": followup and (found.get("guidance_failed", False) or found.get("sspr_failed", False)),
            # With a requester_group, membership is asked of Graph before any approver is (approvals.py).
            "requester_listed": not problem and (mail.from_addr in self.requesters
                                                 or bool(self.policy.requester_group)),
            "sender_verified": verified,
        }
        # The receiving server's spam verdict (rules/machine.py); its header is the evidence.
        spam = machine.spam_verdict(mail, self.spam_verdicts)
        flags["spam_verdict"] = bool(spam)
        if spam:
            evidence["spam_verdict"] = spam
        # The writer's own words set the language; a forwarded plea only when they wrote almost nothing.
        if len(_WORD.findall(own)) >= 3:
            language = self.language(own)
        elif len(_WORD.findall(folded_body)) >= 3:
            language = self.language(body, folded_body)
        else:
            language = self.language(subject_text + "\n" + body)
        return Facts(flags=flags, language=language, sender=mail.from_addr, targets=named,
                     evidence=evidence, machine_signals=signals, verification=why,
                     identity_error=problem, own_text=own, forwarded_text=forwarded)
