"""The approval flow's mails, rendered from data/templates and composed like every other mail.

Each template `approval-<name>.<lang>.txt.j2` has two blocks, `subject` and
`body`; the words are only there (nb and en). This module picks the template,
hands it the request and what the mail is about, and writes the headers by
the same rules as compose.py (From the desk, Auto-Submitted, the loop marker,
a Message-ID fixed per row so a retry carries the same one).

The approver's mail (its code) and the requester's confirmation mail (its
one-time link) are rendered the same way: without the code or link for the
stored copy, with it for the one handoff.

The secret mail is rendered twice from one template: with the secret, for the
one handoff to the mail server (bytes that live in memory only), and with
`secret = None`, for the outbox's stored copy, which then says the secret is
left out. `secret_mail` checks that the stored copy does not hold the secret.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from datetime import datetime, UTC
from email.message import Message
from typing import Any

import jinja2

from ..config import Config
from ..errors import KnowledgeError
from ..rules.graph import LANGUAGES, Graph
from ..rules.preflight import REFUSAL_SCENARIOS
from . import templates
from .compose import (ComposeError, _address, _common_headers, _text_part, as_bytes, header_text,
                      make_message_id)
from .render import Draft

SECURITY_INFO_URL = "https://mysignins.microsoft.com/security-info"
SSPR_URL = "https://passwordreset.microsoftonline.com/"
REQUEST_HEADER = "X-Resetdesk-Request"


@dataclass(frozen=True)
class Mail:
    """One composed mail for the outbox: recipient, Message-ID (no <>), the exact bytes, the template."""

    recipient: str
    message_id: str
    raw: bytes
    template: str


def language_of(request: Any) -> str:
    language = getattr(request, "language", "") or "en"
    return language if language in LANGUAGES else "en"


def render_blocks(name: str, context: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) from the template's two blocks; a template error is a ComposeError."""
    try:
        template = templates.template(name)
        jinja_context = template.new_context(context)
        subject = "".join(template.blocks["subject"](jinja_context))
        body = "".join(template.blocks["body"](jinja_context))
    except KeyError as error:
        raise ComposeError(f"template {name} lacks the block {error}") from None
    except (jinja2.TemplateError, KnowledgeError) as error:
        raise ComposeError(f"template {name}: {error}") from None
    return header_text(subject, 300), body


def console_url(config: Config) -> str:
    """The console's address as people reach it (web.public_url), else where `resetdesk web` listens."""
    web = config.web
    return (web.public_url or f"http://{web.bind}:{web.port}").rstrip("/")


def moment(value: str | datetime | None) -> str:
    """A stored time for people: 2026-11-24 11:20 UTC."""
    if not value:
        return ""
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


class ApprovalMailer:
    """Renders and composes the approval flow's mails; one per process."""

    def __init__(self, config: Config, graph: Graph):
        self.config = config
        self.graph = graph
        self.desk = config.desk_address()

    # -- shared pieces ---------------------------------------------------------

    def scenario_steps(self, name: str | None, language: str) -> dict[str, Any] | None:
        """The article's scenario a refusal points to: its title and steps in the language."""
        if not name or name not in self.graph.scenarios:
            return None
        scenario = self.graph.scenarios[name]
        return {"name": name, "title": scenario.title.get(language, ""), "steps": scenario.steps.get(language, [])}

    def context(self, request: Any, **extra: Any) -> dict[str, Any]:
        """What the approval templates see about `request`, in the requester's language."""
        language = language_of(request)
        approval = self.config.approval
        return {
            "request": request,
            "language": language,
            "desk": self.desk,
            "method": getattr(request, "method", "") or approval.method,
            "tap_lifetime_minutes": approval.tap_lifetime_minutes,
            "ttl_minutes": approval.ttl_minutes,
            "revoke_sessions": approval.revoke_sessions,
            "require_mfa_on_change": approval.require_mfa_on_change,
            "dry_run": bool(getattr(request, "dry_run", False)),
            "contact": self.config.escalation.address or self.desk,
            # Only a public address is worth mailing: a link to the host's loopback helps nobody else.
            "console_url": console_url(self.config) if self.config.web.public_url else "",
            "security_info_url": SECURITY_INFO_URL,
            "sspr_url": SSPR_URL,
            "moment": moment,
            "scenario_steps": lambda name: self.scenario_steps(name, language),
            "refusal_scenario": REFUSAL_SCENARIOS.get,
            **extra,
        }

    def _compose(self, name: str, language: str, context: dict[str, Any], *, to: str, message_id: str,
                 request: Any, auto_submitted: str = "auto-generated", now: datetime | None = None) -> Message:
        subject, body = render_blocks(f"approval-{name}.{language}.txt.j2", context)
        message = _text_part(body, "plain")
        _common_headers(message, to=_address(to), subject=subject, message_id=message_id, config=self.config,
                        auto_submitted=auto_submitted, now=now)
        message[REQUEST_HEADER] = header_text(getattr(request, "id", ""), 40)
        origin = getattr(request, "origin_message_id", "") or ""
        if origin:
            message["In-Reply-To"] = f"<{header_text(origin, 400)}>"
            message["References"] = f"<{header_text(origin, 400)}>"
        message["Content-Language"] = language
        return message

    def mail(self, name: str, request: Any, *, to: str, kind: str, key: str, now: datetime | None = None,
             **extra: Any) -> Mail:
        """A mail about `request` from template approval-<name>, to `to`; `key` makes its Message-ID unique."""
        language = language_of(request)
        message_id = make_message_id(f"{getattr(request, 'id', '')}/{key}/{to}", kind, self.config)
        message = self._compose(name, language, self.context(request, recipient=to, **extra), to=to,
                                message_id=message_id, request=request, now=now)
        return Mail(to, message_id, as_bytes(message), f"approval-{name}.{language}")

    # -- the mails -------------------------------------------------------------

    def ack_draft(self, requester_name: str, language: str, requests: list[Any],
                  refused: list[tuple[str, Any]], subject: str) -> Draft | None:
        """The reply to a reset request mail: the requests registered, and the accounts refused and why.

        None when the requester signs in to confirm and every account named
        became a request: then the acknowledgement is the confirmation mail
        (`confirmation_request`, one per request, with its one-time link),
        sent by the runner once the request awaits confirmation.
        """
        from .render import greeting_name, reply_subject

        if requests and not refused and self.signin_required():
            return None
        language = language if language in LANGUAGES else "en"
        context = self.context(requests[0] if requests else None, language=language,
                               name=greeting_name(requester_name), requests=requests, refused=refused,
                               signin=self.signin_required())
        _, body = render_blocks(f"approval-ack.{language}.txt.j2", context)
        ids = "-".join(r.id for r in requests) or "refused"
        return Draft(subject=reply_subject(subject), text=body, html="", template=f"approval-ack:{ids}.{language}")

    def approval_request(self, request: Any, approver: str, code: str | None, now: datetime | None = None) -> Mail:
        """To one approver: who asked, for whom, why, what happens, and the exact lines to send back.

        `code` None renders the stored copy (the lines without the code); the
        one sent is rendered again with it, under the same Message-ID.
        """
        by_mail = self.config.policy.verification != "exchange-online"
        lines = {}
        if code is not None:
            for verb in ("APPROVE", "DENY"):
                line = f"{verb} {request.id} {code}"
                lines[verb.lower()] = {"line": line, "link": f"mailto:{self.desk}?subject={urllib.parse.quote(line)}"}
        return self.mail("request", request, to=approver, kind="approval", key="request", now=now,
                         approver=approver, lines=lines, by_mail=by_mail)

    def confirmation_request(self, request: Any, token: str | None, minutes: int,
                             now: datetime | None = None) -> Mail:
        """To the requester: the request, and the one-time link (good `minutes`) to confirm it by signing in.

        `token` None renders the stored copy (no link); the one sent is
        rendered again with it, under the same Message-ID.
        """
        link = f"{console_url(self.config)}/confirm/{token}" if token is not None else ""
        return self.mail("confirm", request, to=request.requester, kind="confirm", key="confirm", now=now,
                         link=link, link_minutes=minutes)

    def secret_mail(self, request: Any, secret: Any, *, to: str, attempt: int,
                    now: datetime | None = None) -> tuple[Mail, bytes]:
        """(the stored copy, the bytes to send): the one mail with the secret, redacted for the store."""
        now = now or datetime.now(UTC)
        stored = self.mail("secret", request, to=to, kind="secret", key=f"attempt{attempt}", now=now, secret=None,
                           lifetime_minutes=getattr(secret, "lifetime_minutes", None),
                           expires=moment(getattr(secret, "expires", None)))
        if secret is None:       # a dry run: nothing to carry, the stored copy is the mail
            return stored, stored.raw
        language = language_of(request)
        context = self.context(request, recipient=to, secret=secret.value, lifetime_minutes=secret.lifetime_minutes,
                               expires=moment(secret.expires))
        real = as_bytes(self._compose("secret", language, context, to=to, message_id=stored.message_id,
                                      request=request, now=now))
        if secret.value in _readable(stored.raw) or secret.value.encode() in stored.raw:
            raise ComposeError("the stored copy of the secret mail would hold the secret")
        return stored, real

    def answer_draft(self, answers: list[Any], language: str, subject: str) -> Draft:
        """The reply to an approver's command mail; its subject never repeats a code."""
        from ..rules.commands import redact
        from .render import reply_subject

        language = language if language in LANGUAGES else "en"
        _, body = render_blocks(f"approval-answer.{language}.txt.j2", self.context(None, language=language,
                                                                                   answers=answers))
        ids = "-".join(a.request_id for a in answers)
        return Draft(subject=reply_subject(redact(subject)), text=body, html="",
                     template=f"approval-answer:{ids}.{language}")

    def signin_required(self) -> bool:
        policy = self.config.policy
        return policy.verification == "exchange-online" or policy.require_signin_confirmation


def _readable(raw: bytes) -> str:
    """A mail's headers and decoded text, as a reader would see them."""
    import email
    import email.policy

    message = email.message_from_bytes(raw, policy=email.policy.default)
    parts = [str(value) for value in message.values()]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_content())
    return "\n".join(parts)
