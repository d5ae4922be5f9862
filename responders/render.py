"""Reply drafts rendered from data/templates with the graph's steps and links.

The words live in template files and in graph.toml; this module only picks the
template for the language and hands it the scenario. Templates are Jinja2:
`reply.<lang>.txt.j2` and `reply.<lang>.html.j2` (autoescaped).
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2

from ..errors import KnowledgeError
from ..rules.decision import Decision, Draft
from ..rules.graph import LANGUAGES, Graph, default_data_dir

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


class Renderer:
    """Renders Draft replies; one per process (templates are compiled once)."""

    def __init__(self, graph: Graph, template_dir: str | Path | None = None):
        self.graph = graph
        directory = Path(template_dir) if template_dir else default_data_dir() / "templates"
        loader = jinja2.FileSystemLoader(str(directory))
        # Templates are read once per process (no mtime check per reply): restart to pick up an edit.
        text_env = jinja2.Environment(loader=loader, autoescape=False, undefined=jinja2.StrictUndefined,
                                      keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True, auto_reload=False)
        html_env = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                                      trim_blocks=True, lstrip_blocks=True, auto_reload=False)
        self.templates = {}
        for language in LANGUAGES:
            for kind, suffix, env in (("reply", "txt", text_env), ("reply", "html", html_env),
                                      ("clarify", "txt", text_env), ("clarify", "html", html_env)):
                name = f"{kind}.{language}.{suffix}.j2"
                key = (language, suffix) if kind == "reply" else (kind, language, suffix)
                try:
                    self.templates[key] = env.get_template(name)
                except jinja2.TemplateNotFound:
                    raise KnowledgeError(f"{directory}: template {name} is missing") from None
                except jinja2.TemplateSyntaxError as error:
                    raise KnowledgeError(f"{directory}/{name}:{error.lineno}: {error.message}") from None

    def context(self, decision: Decision, mail) -> dict:
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
            "previous": decision.previous_scenario or "",
        }

    def draft(self, decision: Decision, mail) -> Draft | None:
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
