"""Reply drafts rendered from data/templates with the graph's steps and links.

The words live in template files and in graph.toml; this module only picks the
template for the language and hands it the scenario. Templates are Jinja2:
`reply.<lang>.txt.j2` and `reply.<lang>.html.j2` (autoescaped).
"""

from __future__ import annotations

import re
from pathlib import Path
from collections.abc import Callable
from typing import Any

import jinja2

from ..errors import KnowledgeError
from ..intake.message import InboundMail
from ..rules.decision import Decision
from ..rules.graph import LANGUAGES, Graph
from .templates import template

_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|sv|aw|antw|vs|fw|fwd)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def reply_subject(subject: str) -> str:
    """'Re: ' once, however many Re:/SV:/AW: the original carried; no control characters."""
    subject = _CONTROL.sub(" ", subject or "").strip()
    bare = _REPLY_PREFIX.sub("", subject).strip()
    return f"Re: {bare}" if bare else "Re: (no subject)"


def greeting_name(display_name: str) -> str:
    """The first name to greet: 'Hansen, Ola' -> 'Ola'; nothing for an address or a role."""
    name = (display_name or "").strip().strip('"')
    if "," in name:
        name = name.split(",", 1)[1].strip()
    first = name.split()[0] if name.split() else ""
    if "@" in first or not first[:1].isalpha() or first.isupper() and len(first) > 3:
        return ""
    return first


class Draft:
    """A reply's text, rendered from the templates; headers are the composer's business.

    `html` may be given as a function: the HTML alternative is then rendered
    when first read (by the composer), not for every classification.
    """

    __slots__ = ("subject", "text", "_html", "template")

    def __init__(self, subject: str, text: str, html: str | Callable[[], str], template: str):
        self.subject, self.text, self._html, self.template = subject, text, html, template

    @property
    def html(self) -> str:
        """The HTML alternative, rendered when first read."""
        if callable(self._html):
            self._html = self._html()
        return self._html

    def summary(self) -> dict[str, str]:
        """What the decision record keeps of it: subject, text and template name."""
        return {"subject": self.subject, "text": self.text, "template": self.template}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Draft) and (self.subject, self.text, self.html, self.template) == (
            other.subject, other.text, other.html, other.template)

    def __repr__(self) -> str:
        return f"Draft(subject={self.subject!r}, template={self.template!r})"


class Renderer:
    """Renders Draft replies; one per process (templates are compiled once)."""

    def __init__(self, graph: Graph, template_dir: str | Path | None = None):
        self.graph = graph
        # Compiled now, so a missing or broken template stops the desk at start, not at the first mail.
        # A reply's templates are keyed (language, suffix); a question's ("clarify", language, suffix).
        self.templates: dict[tuple[str, ...], jinja2.Template]
        self.templates = {(language, suffix): template(f"reply.{language}.{suffix}.j2", template_dir)
                          for language in LANGUAGES for suffix in ("txt", "html")}
        self.templates.update({("clarify", language, suffix): template(f"clarify.{language}.{suffix}.j2", template_dir)
                               for language in LANGUAGES for suffix in ("txt", "html")})

    def context(self, decision: Decision, mail: InboundMail | None) -> dict[str, Any]:
        """What the reply templates see: the scenario's title, steps, note and links in the language."""
        language = decision.language if decision.language in LANGUAGES else "en"
        scenario = self.graph.scenarios[decision.scenario]
        resources = [
            {"url": self.graph.resources[name].get("url", ""),
             "label": self.graph.resources[name].get("label", {}).get(language, name)}
            for name in scenario.resources
        ]
        return {
            "scenario": scenario.name,
            "action": decision.action,
            "title": scenario.title.get(language, ""),
            "steps": scenario.steps.get(language, []),
            "note": scenario.note.get(language, ""),
            "resources": resources,
            "name": greeting_name(getattr(mail, "from_name", "") if mail is not None else ""),
            "targets": decision.targets,
            "followup": decision.previous_scenario is not None,
            "answered": "answer" in decision.facts.get("learned", {}),
            # An authorised, verified requester asked for a reset without naming the account.
            "unnamed_request": decision.scenario == "admin_reset" and all(
                decision.facts.get(name) for name in ("requester_listed", "sender_verified", "no_account_named")),
            "previous": decision.previous_scenario or "",
        }

    def draft(self, decision: Decision, mail: InboundMail | None) -> Draft | None:
        """The reply to the sender, or None where the scenario sends none (auto_reply, out_of_scope)."""
        if decision.action == "ignore" or (decision.scenario == "out_of_scope" and decision.action != "clarify"):
            return None
        language = decision.language if decision.language in LANGUAGES else "en"
        context = self.context(decision, mail)
        kind, template = "reply", f"{decision.scenario}.{language}"
        text_template, html_template = self.templates[language, "txt"], self.templates[language, "html"]
        if decision.action == "clarify":
            # The question the graph attaches to the deciding fact, in the writer's language.
            fact = decision.facts["question"]["fact"]
            context["question"] = self.graph.facts[fact]["question"][language]
            kind, template = "clarify", f"clarify-{fact}.{language}"
            text_template, html_template = self.templates[kind, language, "txt"], self.templates[kind, language, "html"]
        try:
            text = text_template.render(context)
        except jinja2.TemplateError as error:
            raise KnowledgeError(f"template {kind}.{language}.txt: {error}") from None

        def html() -> str:
            try:
                return html_template.render(context)
            except jinja2.TemplateError as error:
                raise KnowledgeError(f"template {kind}.{language}.html: {error}") from None

        return Draft(subject=reply_subject(getattr(mail, "subject", "")), text=text, html=html, template=template)
