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
from ..intake.message import InboundMail
from .lexicon import Lexicon, fold
from .text import new_text_parts

LOOP_HEADER = "x-resetdesk-loop"
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Starts only where a local part can start (not inside a run of its characters):
# without the lookbehind a run of n such characters and no '@' costs n^2 steps.
_ADDRESS = re.compile(r"(?<![\w.+'-])[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_COMMENT = re.compile(r"\([^()]*\)")
# The lookbehind, as in _ADDRESS: a run of name characters is tried from its start only.
_METHOD = re.compile(r"(?<![a-z0-9_-])([a-z0-9_-]+)\s*=\s*([a-z0-9_-]+)((?:\s+[a-z0-9_.-]+\s*=\s*[^\s;]+)*)",
                     re.IGNORECASE)
_PROPERTY = re.compile(r"(?<![a-z0-9_.-])([a-z0-9_.-]+)\s*=\s*([^\s;]+)", re.IGNORECASE)
_PRECEDENCE = {"bulk", "list", "junk", "auto_reply"}
_NORWEGIAN_LETTERS = re.compile("[æøåÆØÅ]")
# Facts that show the body speaks on the topic; when none holds, the subject is read too.
_BODY_SPEAKS = ("password_lost", "forgot_username", "reset_request", "recovery_topic", "resolved")
_SUBJECT_FACTS = ("password_lost", "forgot_username", "reset_request", "recovery_topic", "phishing_lure")
# The budget of every mail, whatever its size. The writer's new words stand at
# the top: the quote and signature cutter reads the first MAX_SCAN_CHARS of the
# text (50 screens of mail), the lexicons the first MAX_TEXT_CHARS of what it
# keeps (about two pages, ten times the longest plea in the corpora), the
# subject its first MAX_SUBJECT_CHARS (a header line's limit, RFC 5322 2.1.1).
MAX_SCAN_CHARS = 100_000
MAX_TEXT_CHARS = 10_000
MAX_SUBJECT_CHARS = 998


@dataclass
class Facts:
    flags: dict[str, bool]
    language: str
    sender: str
    targets: list[str] = field(default_factory=list)
    evidence: dict[str, str] = field(default_factory=dict)
    machine_signals: list[str] = field(default_factory=list)
    verification: str = ""

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = dict(self.flags)
        data.update(language=self.language, sender=self.sender, targets=self.targets,
                    evidence=self.evidence, machine_signals=self.machine_signals,
                    verification=self.verification)
        return data


def verify_sender(mail: InboundMail, trusted: tuple[str, ...]) -> tuple[bool, str]:
    """RFC 8601: only the topmost Authentication-Results from a trusted authserv-id counts.

    Headers below it may be forged by the sender, and headers of other
    authserv-ids say nothing about us. Returns (verified, why).
    """
    if not mail.from_addr or "@" not in mail.from_addr:
        return False, "no From address"
    domain = mail.from_addr.rsplit("@", 1)[1]
    for value in mail.header_all("authentication-results"):
        value = _COMMENT.sub(" ", value)
        authserv, _, results = value.partition(";")
        authserv_id = authserv.strip().split()[0].lower() if authserv.strip() else ""
        if "=" in authserv_id or authserv_id not in trusted:
            continue
        for method, result, properties in _METHOD.findall(results):
            if method.lower() != "dmarc":
                continue
            props = {k.lower(): v.strip().lower() for k, v in _PROPERTY.findall(properties)}
            header_from = props.get("header.from", "")
            if result.lower() == "pass" and header_from == domain:
                return True, f"{authserv_id}: dmarc=pass header.from={header_from}"
            return False, f"{authserv_id}: dmarc={result.lower()} header.from={header_from or '?'} (From domain {domain})"
        return False, f"{authserv_id}: no dmarc result"
    return False, "no Authentication-Results header from a trusted authserv-id"


class FactExtractor:
    """Turns an InboundMail into Facts using the lexicon and the policy."""

    def __init__(self, config: Config, lexicon: Lexicon):
        self.policy = config.policy
        self.lexicon = lexicon

    def machine_signals(self, mail: InboundMail) -> tuple[list[str], list[str]]:
        """RFC 3834 and the habits of real auto-responders, list servers and MTAs.

        Returns (strong, weak): strong signals are headers only software sets;
        weak ones (a robot-like sender name, an auto-reply-like subject) are
        also what phishing lures imitate, so a lure's text outweighs them.
        """
        strong, weak = [], []
        auto = mail.header("auto-submitted").split(";")[0].strip().lower()
        if auto and auto != "no":
            strong.append(f"Auto-Submitted: {auto}")
        if mail.content_type == "multipart/report" or mail.report_type:
            strong.append(f"report: {mail.report_type or 'multipart/report'}")
        if any(ct in ("message/delivery-status", "message/disposition-notification") for ct in mail.attachments):
            strong.append("delivery or read report part")
        if mail.return_path == "":
            strong.append("null Return-Path <>")
        precedence = mail.header("precedence").strip().lower()
        if precedence in _PRECEDENCE:
            strong.append(f"Precedence: {precedence}")
        for name in ("list-id", "list-unsubscribe", "list-post", "list-help"):
            if mail.header(name):
                strong.append(f"{name} header")
                break
        for name in ("x-autoreply", "x-autorespond", "x-auto-reply", "x-autogenerated", "x-autoresponder"):
            if mail.header(name):
                strong.append(f"{name} header")
                break
        if mail.header(LOOP_HEADER):
            strong.append("our loop marker")
        if self.policy.desk_address and mail.from_addr == self.policy.desk_address:
            strong.append("sent by the desk itself")
        local = mail.from_addr.split("@", 1)[0]
        if mail.from_addr and self.lexicon.robot_localpart and self.lexicon.robot_localpart.fullmatch(fold(local)):
            weak.append(f"robot sender {mail.from_addr}")
        if self.lexicon.machine_subject and self.lexicon.machine_subject.match(fold(mail.subject)):
            weak.append(f"machine subject {mail.subject[:60]!r}")
        return strong, weak

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
            # "Your guidance failed" means something only in a thread of ours.
            wanted = [name for name in lexicon.facts if followup or name != "guidance_failed"]
            evidence = lexicon.search(wanted, folded_body)
            # The body decides; the subject speaks only when the body says nothing on the topic.
            if not any(name in evidence for name in _BODY_SPEAKS):
                subject = lexicon.unmask(fold(subject_text))
                for name, phrase in lexicon.search(_SUBJECT_FACTS, subject).items():
                    evidence.setdefault(name, phrase)
        found = {name: True for name in evidence}
        lure = found.get("phishing_lure", False)
        signals = strong + ([] if lure else weak)

        verified, why = verify_sender(mail, self.policy.trusted_authserv_ids)
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
            "requester_listed": mail.from_addr in self.policy.requesters,
            "sender_verified": verified,
        }
        # The writer's own words set the language; a forwarded plea only when they wrote almost nothing.
        if len(_WORD.findall(own)) >= 3:
            language = self.language(own)
        elif len(_WORD.findall(folded_body)) >= 3:
            language = self.language(body, folded_body)
        else:
            language = self.language(subject_text + "\n" + body)
        return Facts(flags=flags, language=language, sender=mail.from_addr, targets=named,
                     evidence=evidence, machine_signals=signals, verification=why)
