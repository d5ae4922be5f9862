"""The decision: durable-rules walking the knowledge graph over extracted facts.

durable-rules is used in the one way that is safe (its known sharp edges:
rulesets leak memory, several threads crash it, its timer threads run actions
on their own, an action's exception is swallowed):
- the ruleset is compiled from the graph once per process and graph, because
  every new ruleset leaks memory and a name can be registered only once;
- one thread only: the engine remembers its thread and refuses any other;
- the host's timer threads are never started (`_run` is a no-op), so every
  action runs inside `post()` and nothing runs behind our back;
- actions only record (the rule's name, the next node) — no I/O, no text
  matching: facts arrive as booleans computed in Python;
- each message gets its own session, deleted when the decision is read, so
  memory stays flat however many mails pass.

The walk: an event {at: start, facts...} enters the graph; the first rule
(lowest `pri`) whose conditions hold consumes it and posts the event at its
target node. Where no edge leads on, the walk settles: an [[actions]]
exception of that scenario (ranked after every edge) or its default action.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import threading
from dataclasses import dataclass
from pathlib import Path

from durable import engine as durable_engine

from ..config import Config
from ..data import data_dir
from ..errors import KnowledgeError
from ..intake.message import InboundMail
from .decision import Decision, FiredRule
from .facts import FactExtractor, Facts, check_facts
from .graph import PREVIOUS, START, Graph, load_graph
from .lexicon import Lexicon, load_lexicon

_EXCEPTION_PRI = 5_000
_SETTLE_PRI = 10_000
_ruleset_numbers = itertools.count(1)


class _QuietHost(durable_engine.Host):
    """A durable-rules host without its timer threads; actions are looked up by name."""

    def __init__(self, actions: dict):
        self._named_actions = actions
        super().__init__()

    def _run(self):  # the timer threads would run actions on their own thread
        pass

    def get_action(self, action_name):
        return self._named_actions[action_name]


def _condition(node: str, when, unless) -> dict:
    # Events carry only the facts that hold, so "unless" is "not present":
    # a short event is a cheaper JSON round trip on every step of the walk.
    terms = [{"at": node}]
    terms += [{fact: True} for fact in when]
    terms += [{"$nex": {fact: 1}} for fact in unless]
    return {"m": {"$and": terms}}


class RuleEngine:
    """The graph compiled into one durable-rules ruleset."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.name = f"resetdesk_{next(_ruleset_numbers)}"
        self._thread = threading.get_ident()
        self._sessions = itertools.count(1)
        self._trace: dict[str, list] = {}
        actions, ruleset = {}, {}

        for node in [START] + list(graph.scenarios):
            for pri, edge in enumerate(graph.rules_from(node), start=1):
                action_name = f"edge:{edge.name}"
                ruleset[edge.name] = {"pri": pri, "all": [_condition(node, edge.when, edge.unless)],
                                      "run": action_name}
                actions[action_name] = self._edge_action(edge.name, edge.target, edge.consumes)
            if node == START:
                continue
            # Where no edge leads on, the walk settles here; an [[actions]] exception
            # (tried in order, after every edge) or else the default picks the action.
            exceptions = [a for a in graph.actions if a.scenario == node]
            for offset, rule in enumerate(exceptions, start=1):
                action_name = f"action:{rule.name}"
                ruleset[rule.name] = {"pri": _EXCEPTION_PRI + offset,
                                      "all": [_condition(node, rule.when, rule.unless)], "run": action_name}
                actions[action_name] = self._settle_action(rule.name, node, rule.action)
            default = f"default-action:{node}"
            ruleset[default] = {"pri": _SETTLE_PRI, "all": [_condition(node, (), ())], "run": default}
            actions[default] = self._settle_action(default, node, graph.scenarios[node].action)

        self._host = _QuietHost(actions)
        # The host keeps (and mutates) the definition it is given.
        self._host.set_rulesets({self.name: copy.deepcopy(ruleset)})

    # Actions: each records what happened and, on a walk, posts the next step.
    def _edge_action(self, rule_name: str, target: str, consumes: tuple[str, ...]):
        def act(c):
            event = dict(c.m._d)
            event.pop("id", None)
            event["at"] = event["previous"] if target == PREVIOUS else target
            # A consumed fact has been answered by this edge: it cannot move the walk twice.
            for fact in consumes:
                event.pop(fact, None)
            self._trace[c.s.sid].append(("rule", rule_name, event["at"]))
            c.post(event)
        return act

    def _settle_action(self, rule_name: str, node: str, action: str):
        def act(c):
            self._trace[c.s.sid].append(("settle", rule_name, node, action))
        return act

    def decide(self, facts: dict[str, bool], previous: str | None) -> tuple[str, str, list[str], list[str]]:
        """Walk the graph; returns (scenario, action, fired rule names, path of nodes)."""
        if threading.get_ident() != self._thread:
            raise RuntimeError("durable-rules crashes when used from several threads: "
                               "use the classifier only from the thread that built it")
        if previous is not None and previous not in self.graph.scenarios:
            previous = None
        sid = str(next(self._sessions))
        event = {"sid": sid, "at": START, "previous": previous or ""}
        event.update({name: True for name in self.graph.facts if facts.get(name)})
        if previous is None:
            event.pop("followup", None)
        self._trace[sid] = trace = []
        try:
            # An action that raised makes post() raise; one that never ran leaves
            # the trace without a settle, which is checked below.
            self._host.post(self.name, event)
        finally:
            self._host.delete_state(self.name, sid)
            del self._trace[sid]
        fired, path, scenario, action = [], [START], None, None
        for entry in trace:
            if entry[0] == "rule":
                fired.append(entry[1])
                path.append(entry[2])
            else:
                fired.append(entry[1])
                scenario, action = entry[2], entry[3]
        if scenario is None or action is None:
            raise KnowledgeError(f"the graph gave no decision for facts {sorted(k for k, v in facts.items() if v)}")
        return scenario, action, fired, path


_ENGINES: dict[str, RuleEngine] = {}


def _engine_for(graph: Graph) -> RuleEngine:
    """One compiled ruleset per distinct graph per process (rulesets leak when rebuilt)."""
    key = hashlib.sha256(repr((graph.rules, graph.actions, sorted(graph.facts),
                               [(s.name, s.action) for s in graph.scenarios.values()])).encode()).hexdigest()
    key += f":{threading.get_ident()}"
    if key not in _ENGINES:
        _ENGINES[key] = RuleEngine(graph)
    return _ENGINES[key]


@dataclass
class Knowledge:
    """What the classifier reads from data/: the graph and the lexicon (templates are the renderer's)."""

    graph: Graph
    lexicon: Lexicon

    @classmethod
    def load(cls, directory: str | Path | None = None) -> "Knowledge":
        """Graph and lexicon from `directory` (default: the shipped data/), checked against each other."""
        base = Path(directory) if directory else data_dir()
        knowledge = cls(load_graph(base / "graph.toml"), load_lexicon(base / "lexicons"))
        check_facts(knowledge.graph, knowledge.lexicon)
        return knowledge


class Classifier:
    """Parsed mail in, Decision out: facts in Python, the decision in durable-rules (no text is rendered here)."""

    def __init__(self, config: Config, knowledge: Knowledge | None = None):
        self.config = config
        self.knowledge = knowledge or Knowledge.load()
        self.extractor = FactExtractor(config, self.knowledge.lexicon)
        self.engine = _engine_for(self.knowledge.graph)

    def classify(self, mail: InboundMail, previous_scenario: str | None = None) -> Decision:
        """Decide one parsed mail; `previous_scenario` is our earlier scenario in its thread, if any."""
        facts: Facts = self.extractor.extract(mail, followup=previous_scenario is not None)
        scenario, action, fired, path = self.engine.decide(facts.flags, previous_scenario)
        graph = self.knowledge.graph
        decision = Decision(
            scenario=scenario,
            action=action,
            language=facts.language,
            facts=facts.as_dict(),
            rules=[FiredRule(name, graph.describe(name)) for name in fired],
            path=path,
            targets=facts.targets,
            previous_scenario=previous_scenario,
        )
        decision.missed = [FiredRule(name, graph.describe(name)) for name in _missed(graph, fired, path)]
        return decision


def _missed(graph: Graph, fired: list[str], path: list[str]) -> list[str]:
    """Rules tried before the one that fired at each node (Mailman's 'misses')."""
    missed = []
    fired_set = set(fired)
    for node in path:
        for edge in graph.rules_from(node):
            if edge.name in fired_set:
                break
            missed.append(edge.name)
    return missed
