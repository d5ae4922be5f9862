"""The knowledge graph: loaded from data/graph.toml, checked, drawn.

The graph is the single source of the rules: `Graph.rules` are the edges the
engine compiles into durable-rules, and the same edges are what `resetdesk
graph` draws. Nothing about scenarios is written twice in code.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..data import data_dir
from ..errors import KnowledgeError
from .decision import ACTIONS, SCENARIOS

START = "start"
PREVIOUS = "@previous"
LANGUAGES = ("en", "nb")


@dataclass(frozen=True)
class Edge:
    """A rule: leave `source` for `target` when all of `when` hold and none of `unless`."""

    name: str
    source: str
    target: str
    when: tuple[str, ...]
    unless: tuple[str, ...]
    description: str
    consumes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActionRule:
    """An exception to a scenario's default action."""

    name: str
    scenario: str
    when: tuple[str, ...]
    unless: tuple[str, ...]
    action: str
    description: str


@dataclass
class Scenario:
    name: str
    action: str
    title: dict[str, str]
    steps: dict[str, list[str]] = field(default_factory=dict)
    note: dict[str, str] = field(default_factory=dict)
    resources: list[str] = field(default_factory=list)
    reader_facts: tuple[str, ...] = ()   # the facts a confident reading of this scenario sets


@dataclass(frozen=True)
class Question:
    """The one question that separates two scenarios: does `fact` hold? The edge source -> target decides."""

    fact: str
    source: str              # the scenario the walk stays at when the fact does not hold
    target: str              # where the edge leads when it does
    edge: str
    text: dict[str, str]
    yes: bool                # what a plain "yes" answer makes of the fact
    only_towards: bool = False   # ask only when the reader leans to the target (question.ask = "towards")


# The learned reader's thresholds ([reader] in graph.toml) and their defaults.
READER_SETTINGS = {"decide": 0.5, "ask_below": 0.7, "ask_margin": 0.25, "machine_text": 0.7, "approval": 0.9}


@dataclass
class Graph:
    """The knowledge graph as loaded and checked: scenarios, resources, facts, rules and actions."""
    scenarios: dict[str, Scenario]
    resources: dict[str, dict[str, Any]]
    facts: dict[str, dict[str, Any]]     # facts.<name> as in graph.toml: help text, question table
    rules: list[Edge]
    actions: list[ActionRule]
    source: str = ""
    reader: dict[str, float] = field(default_factory=lambda: dict(READER_SETTINGS))

    def rules_from(self, node: str) -> list[Edge]:
        """The rules leaving `node`, in the order written (the first that holds wins)."""
        by_node = self.__dict__.get("_by_node")
        if by_node is None:
            by_node = {}
            for edge in self.rules:
                by_node.setdefault(edge.source, []).append(edge)
            self.__dict__["_by_node"] = by_node
        return by_node.get(node, [])

    def question_between(self, first: str, second: str) -> Question | None:
        """The question whose answer decides between two scenarios, if the graph has one."""
        for question in self.questions():
            if {question.source, question.target} == {first, second}:
                return question
        return None

    def questions(self) -> list[Question]:
        """One per fallback edge on a single fact that has a question (facts.<name>.question)."""
        found = self.__dict__.get("_questions")
        if found is None:
            found = []
            for edge in self.rules:
                if edge.source == START or len(edge.when) != 1 or edge.consumes:
                    continue
                entry = self.facts.get(edge.when[0], {}).get("question")
                if entry and not any(q.source == edge.source and q.target == edge.target for q in found):
                    text = {lang: entry[lang] for lang in LANGUAGES}
                    found.append(Question(edge.when[0], edge.source, edge.target, edge.name, text,
                                          entry.get("yes", True),
                                          entry.get("ask", "both") == "towards"))
            self.__dict__["_questions"] = found
        return found

    def walk(self, facts: set[str] | frozenset[str], previous: str | None = None) -> tuple[str, str, list[str]]:
        """The walk the engine makes, in Python: (scenario, action, fired rule names).

        The engine's durable-rules walk is the one that decides; this one lets
        the classifier try a set of facts first (tests keep the two equal).
        """
        facts = set(facts)
        if previous is None or previous not in self.scenarios:
            facts.discard("followup")
            previous = None
        node, fired = START, []
        while True:
            for edge in self.rules_from(node):
                if all(f in facts for f in edge.when) and not any(f in facts for f in edge.unless):
                    fired.append(edge.name)
                    facts.difference_update(edge.consumes)
                    if edge.target == PREVIOUS:
                        # Only a followup goes back, and `followup` was dropped above when there is no previous.
                        assert previous is not None
                        node = previous
                    else:
                        node = edge.target
                    break
            else:
                if node == START:
                    raise KnowledgeError("the graph gave no decision")
                for rule in self.actions:
                    if rule.scenario == node and all(f in facts for f in rule.when) \
                            and not any(f in facts for f in rule.unless):
                        return node, rule.action, fired + [rule.name]
                return node, self.scenarios[node].action, fired + [f"default-action:{node}"]

    def describe(self, name: str) -> str:
        """The human description of a rule or action by name ('' when unknown)."""
        descriptions = self.__dict__.get("_descriptions")
        if descriptions is None:
            descriptions = {rule.name: rule.description for rule in list(self.rules) + list(self.actions)}
            self.__dict__["_descriptions"] = descriptions
        if name in descriptions:
            return descriptions[name]
        if name.startswith("default-action:"):
            scenario = self.scenarios[name.split(":", 1)[1]]
            return f"The default action for {scenario.name} is {scenario.action}."
        return ""


def load_graph(path: str | Path | None = None) -> Graph:
    """Load and check the graph; every inconsistency is a KnowledgeError naming its place."""
    path = Path(path) if path else data_dir() / "graph.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise KnowledgeError(f"{path}: {error}") from None
    try:
        graph = _build(data)
    except KnowledgeError as error:
        raise KnowledgeError(f"{path}: {error}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise KnowledgeError(f"{path}: malformed entry: {error!r}") from None
    graph.source = str(path)
    check_graph(graph)
    return graph


def _words(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(value or ())


def _require(entry: dict, keys: tuple[str, ...], where: str) -> None:
    for key in keys:
        if key not in entry:
            raise KnowledgeError(f"{where}: missing key {key!r}")


def _build(data: dict[str, Any]) -> Graph:
    for index, rule in enumerate(data.get("rules", [])):
        _require(rule, ("name", "from", "to", "description"), f"rules[{rule.get('name', index)}]")
    for index, rule in enumerate(data.get("actions", [])):
        _require(rule, ("name", "scenario", "action", "description"), f"actions[{rule.get('name', index)}]")
    for name, entry in data.get("scenarios", {}).items():
        _require(entry, ("action", "title"), f"scenarios.{name}")
    scenarios = {}
    for name, entry in data.get("scenarios", {}).items():
        scenarios[name] = Scenario(
            name=name,
            action=entry["action"],
            title=dict(entry.get("title", {})),
            steps={lang: list(steps) for lang, steps in entry.get("steps", {}).items()},
            note=dict(entry.get("note", {})),
            resources=list(entry.get("resources", [])),
            reader_facts=_words(entry.get("reader_facts")),
        )
    rules = [
        Edge(r["name"], r["from"], r["to"], _words(r.get("when")), _words(r.get("unless")), r["description"],
             _words(r.get("consumes")))
        for r in data.get("rules", [])
    ]
    actions = [
        ActionRule(a["name"], a["scenario"], _words(a.get("when")), _words(a.get("unless")), a["action"],
                   a["description"])
        for a in data.get("actions", [])
    ]
    reader = dict(READER_SETTINGS)
    for key, value in data.get("reader", {}).items():
        if key not in READER_SETTINGS:
            raise KnowledgeError(f"reader.{key}: unknown setting (known: {', '.join(READER_SETTINGS)})")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise KnowledgeError(f"reader.{key}: expected a probability between 0 and 1")
        reader[key] = float(value)
    return Graph(scenarios, dict(data.get("resources", {})), dict(data.get("facts", {})), rules, actions, reader=reader)


def check_graph(graph: Graph) -> None:
    problems = []
    missing = set(SCENARIOS) - set(graph.scenarios)
    if missing:
        problems.append(f"scenarios missing: {', '.join(sorted(missing))}")
    for name, scenario in graph.scenarios.items():
        if name not in SCENARIOS:
            problems.append(f"scenarios.{name}: not one of the contract's scenarios")
        if scenario.action not in ACTIONS:
            problems.append(f"scenarios.{name}.action: {scenario.action!r} is not one of {', '.join(ACTIONS)}")
        for resource in scenario.resources:
            if resource not in graph.resources:
                problems.append(f"scenarios.{name}.resources: unknown resource {resource!r}")
        for lang in LANGUAGES:
            if lang not in scenario.title:
                problems.append(f"scenarios.{name}.title.{lang}: missing")
    seen = set()
    for rule in list(graph.rules) + list(graph.actions):
        if rule.name in seen:
            problems.append(f"rule {rule.name!r}: name used twice")
        seen.add(rule.name)
        for fact in rule.when + rule.unless + getattr(rule, "consumes", ()):
            if fact not in graph.facts:
                problems.append(f"rule {rule.name!r}: unknown fact {fact!r}")
    for edge in graph.rules:
        if edge.source != START and edge.source not in graph.scenarios:
            problems.append(f"rule {edge.name!r}: unknown node {edge.source!r} in from")
        if edge.target != PREVIOUS and edge.target not in graph.scenarios:
            problems.append(f"rule {edge.name!r}: unknown node {edge.target!r} in to")
        if edge.target == PREVIOUS and edge.source != START:
            problems.append(f"rule {edge.name!r}: {PREVIOUS} is only an entry")
    for action in graph.actions:
        if action.scenario not in graph.scenarios:
            problems.append(f"action {action.name!r}: unknown scenario {action.scenario!r}")
        if action.action not in ACTIONS:
            problems.append(f"action {action.name!r}: unknown action {action.action!r}")
    for name, entry in graph.facts.items():
        asked = entry.get("question")
        if asked is not None:
            for lang in LANGUAGES:
                if not isinstance(asked, dict) or not isinstance(asked.get(lang), str):
                    problems.append(f"facts.{name}.question.{lang}: missing")
            if isinstance(asked, dict) and asked.get("ask", "both") not in ("both", "towards"):
                problems.append(f"facts.{name}.question.ask: {asked.get('ask')!r} is not 'both' or 'towards'")
    for name, scenario in graph.scenarios.items():
        for fact in scenario.reader_facts:
            if fact not in graph.facts:
                problems.append(f"scenarios.{name}.reader_facts: unknown fact {fact!r}")
    if not any(edge.source == START and not edge.when and not edge.unless for edge in graph.rules):
        problems.append("no unconditional rule from start: some mail would have no scenario")
    cycle = _find_cycle(graph)
    if cycle:
        problems.append("the rules form a cycle: " + " -> ".join(cycle))
    for question in graph.questions():
        if not any(e.source == question.source and e.when == ("answer_unclear",) for e in graph.rules):
            problems.append(f"facts.{question.fact}.question: no rule leaves {question.source} on answer_unclear "
                            f"(an unclear answer must reach a person)")
    if not problems:
        # A confident reading must lead where it says: its facts walk to its scenario.
        for name, scenario in graph.scenarios.items():
            if scenario.reader_facts:
                reached = graph.walk(set(scenario.reader_facts))[0]
                if reached != name:
                    problems.append(f"scenarios.{name}.reader_facts: walk to {reached}, not {name}")
    if problems:
        raise KnowledgeError("knowledge graph: " + "; ".join(problems))


def _find_cycle(graph: Graph) -> list[str] | None:
    """The walk must end: fallback edges between scenarios may not loop."""
    successors: dict[str, set[str]] = {}
    for edge in graph.rules:
        if edge.source != START:
            successors.setdefault(edge.source, set()).add(edge.target)
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(successors.get(node, ())):
            if state.get(nxt) == 1:
                return trail + [node, nxt]
            if state.get(nxt) is None:
                found = visit(nxt, trail + [node])
                if found:
                    return found
        state[node] = 2
        return None

    for node in sorted(successors):
        if node not in state:
            found = visit(node, [])
            if found:
                return found
    return None


def _condition_label(when: tuple[str, ...], unless: tuple[str, ...]) -> str:
    parts = list(when) + [f"not {fact}" for fact in unless]
    return " and ".join(parts) if parts else "otherwise"


def to_mermaid(graph: Graph) -> str:
    """The graph as a Mermaid flowchart."""
    lines = ["flowchart TD", f"    {START}([mail arrives])"]
    for name, scenario in graph.scenarios.items():
        lines.append(f'    {name}["{name}<br/>{scenario.title["en"]}<br/><i>{scenario.action}</i>"]')
    lines.append("    previous{{scenario of our earlier reply}}")
    for edge in graph.rules:
        target = "previous" if edge.target == PREVIOUS else edge.target
        label = _condition_label(edge.when, edge.unless).replace('"', "'")
        lines.append(f'    {edge.source} -->|"{edge.name}: {label}"| {target}')
    for action in graph.actions:
        label = _condition_label(action.when, action.unless)
        lines.append(f'    {action.scenario} -.->|"{action.name}: {label}"| '
                     f'{action.scenario}_{action.action}(["{action.action}"])')
    return "\n".join(lines) + "\n"


def to_dot(graph: Graph) -> str:
    """The graph as Graphviz DOT, drawn top-down."""
    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["digraph resetdesk {", "  rankdir=TB;", "  node [shape=box, fontname=Helvetica];",
             f"  {START} [shape=oval, label={quote('mail arrives')}];",
             f"  previous [shape=hexagon, label={quote('scenario of our earlier reply')}];"]
    for name, scenario in graph.scenarios.items():
        label = quote(name + chr(10) + scenario.title['en'] + chr(10) + '(' + scenario.action + ')')
        lines.append(f"  {name} [label={label}];")
    for edge in graph.rules:
        target = "previous" if edge.target == PREVIOUS else edge.target
        # Short labels (the rule's name); the condition is the tooltip: full conditions made the
        # drawing 7,600 px wide with labels over each other. `resetdesk graph --format svg` lays it out better.
        lines.append(f"  {edge.source} -> {target} [label={quote(edge.name)}, "
                     f"tooltip={quote(_condition_label(edge.when, edge.unless))}];")
    for action in graph.actions:
        node = f"{action.scenario}_{action.action}"
        lines.append(f"  {node} [shape=oval, label={quote(action.action)}];")
        lines.append(f"  {action.scenario} -> {node} [style=dashed, label={quote(action.name)}, "
                     f"tooltip={quote(_condition_label(action.when, action.unless))}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
