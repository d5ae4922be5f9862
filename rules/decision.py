"""The decision the rules hand to the responders, with its reasons."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

SCENARIOS = ("sspr", "security_info", "forgot_username", "admin_reset",
             "new_admin_account", "support", "auto_reply", "out_of_scope")
ACTIONS = ("reply", "approval_requested", "escalate", "ignore", "clarify")


@dataclass(frozen=True)
class FiredRule:
    """A rule that fired, named as in the knowledge graph, with its human description."""

    name: str
    description: str


class Draft:
    """A reply's text, rendered from the templates; headers are the responders' business.

    `html` may be given as a function: the HTML alternative is then rendered
    when first read (by the composer), not for every classification.
    """

    __slots__ = ("subject", "text", "_html", "template")

    def __init__(self, subject: str, text: str, html: "str | Callable[[], str]", template: str):
        self.subject, self.text, self._html, self.template = subject, text, html, template

    @property
    def html(self) -> str:
        if callable(self._html):
            self._html = self._html()
        return self._html

    def __eq__(self, other) -> bool:
        return isinstance(other, Draft) and (self.subject, self.text, self.html, self.template) == (
            other.subject, other.text, other.html, other.template)

    def __repr__(self) -> str:
        return f"Draft(subject={self.subject!r}, template={self.template!r})"


@dataclass
class Decision:
    """What the rules decided about one message, and why.

    `facts` are the booleans and small strings the rules saw; `rules` the ones
    that fired in order; `path` the graph nodes the chain walked through.
    """

    scenario: str
    action: str
    language: str
    facts: dict[str, Any] = field(default_factory=dict)
    rules: list[FiredRule] = field(default_factory=list)
    missed: list[FiredRule] = field(default_factory=list)   # tried before the one that fired, in order
    path: list[str] = field(default_factory=list)
    reply: Draft | None = None
    targets: list[str] = field(default_factory=list)   # accounts named for a reset
    previous_scenario: str | None = None               # set for a follow-up in a thread
