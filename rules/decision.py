"""The decision the rules hand to the responders, with its reasons: pure data, no templates."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCENARIOS = ("sspr", "security_info", "forgot_username", "admin_reset",
             "new_admin_account", "support", "auto_reply", "out_of_scope")
ACTIONS = ("reply", "approval_requested", "escalate", "ignore", "clarify")


@dataclass(frozen=True)
class FiredRule:
    """A rule that fired, named as in the knowledge graph, with its human description."""

    name: str
    description: str


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
    targets: list[str] = field(default_factory=list)   # accounts named for a reset
    previous_scenario: str | None = None               # set for a follow-up in a thread

    def record(self, reply: dict[str, Any] | None = None) -> dict[str, Any]:
        """The JSON shape of this decision: what `classify --json` prints and the store keeps.

        `reply` is the responders' summary of the drafted reply (subject,
        text, template), or None when none was drafted.
        """
        return {
            "scenario": self.scenario,
            "action": self.action,
            "language": self.language,
            "facts": self.facts,
            "rules": [{"name": r.name, "description": r.description} for r in self.rules],
            "missed": [r.name for r in self.missed],
            "path": self.path,
            "targets": self.targets,
            "previous_scenario": self.previous_scenario,
            "reply": reply,
        }
