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
import re
import hashlib
import itertools
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from durable import engine as durable_engine

from ..config import Config
from ..config import load as load_config
from ..data import data_dir
from ..errors import KnowledgeError
from ..intake.message import InboundMail
from .decision import Decision, FiredRule
from .examples import jsonl_files, read_examples
from .facts import _ADDRESS, FactExtractor, Facts, check_facts
from .graph import PREVIOUS, START, Graph, Question, load_graph
from .lexicon import Lexicon, fold, load_lexicon
from .reader import (Reader, Reading, example_dirs, examples_digest, feature_facts, load_reader, model_dir,
                     reader_text)

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
    terms: list[dict[str, Any]] = [{"at": node}]
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
        self._trace: dict[str, list[tuple[str, ...]]] = {}
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
        event: dict[str, Any] = {"sid": sid, "at": START, "previous": previous or ""}
        event.update({name: True for name in self.graph.facts if facts.get(name)})
        if previous is None:
            event.pop("followup", None)
        trace: list[tuple[str, ...]] = []
        self._trace[sid] = trace
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
    """What the classifier reads from data/: the graph, the lexicon and the learned reader
    (templates are the renderer's)."""

    graph: Graph
    lexicon: Lexicon
    reader: Reader

    @classmethod
    def load(cls, directory: str | Path | None = None, config: Config | None = None) -> Knowledge:
        """Graph, lexicon and learned reader from `directory` (default: the shipped data/), checked
        against each other; a missing or stale model is a KnowledgeError saying how to rebuild it."""
        config = config or load_config()
        base = Path(directory) if directory else data_dir()
        graph, lexicon = load_graph(base / "graph.toml"), load_lexicon(base / "lexicons")
        check_facts(graph, lexicon)
        folder = model_dir(config, directory)
        reader = load_reader(folder)
        where = folder / "reader.json"
        if sorted(reader.classes) != sorted(graph.scenarios):
            raise KnowledgeError(f"{where}: trained for other scenarios than the graph's; "
                                 "rebuild it with `resetdesk train`")
        if reader.facts != feature_facts(lexicon):
            raise KnowledgeError(f"{where}: trained on other lexicon facts than data/lexicons has now; "
                                 f"rebuild it with `resetdesk train`")
        sources = tuple(example_dirs(config, directory))
        if _examples_digest(sources) != reader.training_digest:
            raise KnowledgeError(f"{where}: trained on other examples than {', '.join(map(str, sources))} "
                                 f"hold now; rebuild it with `resetdesk train`")
        return cls(graph, lexicon, reader)


_DIGESTS: dict[tuple, str] = {}


def _examples_digest(dirs: tuple) -> str:
    """The digest of the training examples, computed once per process while the files are unchanged."""
    files = jsonl_files(dirs)
    key = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    if key not in _DIGESTS:
        _DIGESTS[key] = examples_digest(read_examples(files))
    return _DIGESTS[key]


class Classifier:
    """Parsed mail in, Decision out: facts in Python (lexicon and learned reader), the decision in
    durable-rules (no text is rendered here)."""

    def __init__(self, config: Config, knowledge: Knowledge | None = None, use_reader: bool = True):
        self.config = config
        self.knowledge = knowledge or Knowledge.load(config=config)
        self.extractor = FactExtractor(config, self.knowledge.lexicon)
        self.engine = _engine_for(self.knowledge.graph)
        self.reading = ReadingPolicy(self.knowledge) if use_reader else None

    def classify(self, mail: InboundMail, previous_scenario: str | None = None,
                 question: dict | None = None) -> Decision:
        """Decide one mail; `question` is the one our earlier reply in the thread asked (its facts.question)."""
        facts: Facts = self.extractor.extract(mail, followup=previous_scenario is not None)
        for name in _GUARDS:
            facts.flags[name] = False
        walk_from, asked, reading = previous_scenario, None, None
        if self.reading is not None:
            walk_from, asked, reading = self.reading.apply(facts, mail, previous_scenario, question)
        _approval_guards(facts, mail, self.config.policy.desk_address, reading,
                         self.knowledge.graph.reader["approval"])
        scenario, action, fired, path = self.engine.decide(facts.flags, walk_from)
        graph = self.knowledge.graph
        if asked is not None and action in ("reply", "escalate") and scenario in asked.candidates:
            # Unsure between two scenarios: ask the question that separates them, no guidance yet.
            action = "clarify"
            fired = fired + [asked.rule]
        decision = Decision(
            scenario=scenario,
            action=action,
            language=facts.language,
            facts=facts.as_dict(),
            rules=[FiredRule(name, graph.describe(name) or self._describe(name, asked)) for name in fired],
            path=path,
            targets=facts.targets,
            previous_scenario=previous_scenario,
        )
        if action == "clarify":
            assert asked is not None    # only an unsure reading makes a clarify (above)
            decision.facts["question"] = asked.record()
        decision.missed = [FiredRule(name, graph.describe(name)) for name in _missed(graph, fired, path)]
        return decision

    def _describe(self, name: str, asked: Asked | None) -> str:
        if asked is not None and name == asked.rule:
            return asked.description(self.knowledge.graph)
        return ""


@dataclass
class Asked:
    """A question to ask instead of guidance: which fact, and between which scenarios."""

    question: Question
    candidates: tuple[str, str]        # most probable first
    scores: tuple[float, float]

    @property
    def rule(self) -> str:
        return f"ask:{self.question.fact}"

    def description(self, graph: Graph) -> str:
        """Why the desk asks: the two candidates, their scores and the fact that separates them."""
        fact = graph.facts[self.question.fact]["description"]
        return (f"The reader is unsure between {self.candidates[0]} ({self.scores[0]:.2f}) and "
                f"{self.candidates[1]} ({self.scores[1]:.2f}); "
                f"whether {fact} decides (edge {self.question.edge}): ask.")

    def record(self) -> dict:
        """The question as the decision records it (facts.question)."""
        return {"fact": self.question.fact, "from": self.question.source, "edge": self.question.edge,
                "candidates": list(self.candidates), "scores": [round(s, 4) for s in self.scores]}


class ReadingPolicy:
    """How the learned reader's probabilities become the facts the graph walks on ([reader] in graph.toml)."""

    def __init__(self, knowledge: Knowledge):
        self.graph = knowledge.graph
        self.lexicon = knowledge.lexicon
        self.reader = knowledge.reader
        self.settings = knowledge.graph.reader
        self.feature_facts = set(knowledge.reader.facts)
        # The lexicon facts a reading may confirm or overrule (not the store's, the policy's or the headers').
        self.text_facts = [name for name, entry in self.graph.facts.items()
                           if entry.get("source") == "lexicon"]

    def apply(self, facts: Facts, mail: InboundMail, previous: str | None,
              question: dict | None) -> tuple[str | None, Asked | None, Reading | None]:
        """Set the learned facts in place; returns (the node the walk continues from in a thread,
        a question to ask or None, the reading)."""
        flags = facts.flags
        lexical = {name for name in facts.evidence if name in self.feature_facts}
        if flags["machine_mail"]:
            return previous, None, None      # the headers decided: the text is not read
        if previous is not None:
            # In a thread the reader is not asked: an answer to our question is read for its one
            # fact, a follow-up walks on from our last reply, and a robot answering our replies
            # is stopped by the flood limits (responders/limits.py).
            return (self._answer(facts, question, previous), None, None) if question else (previous, None, None)
        text, subject = reader_text(facts.own_text, facts.forwarded_text, mail.subject)
        reading = self.reader.read(text, subject, lexical)
        learned: dict[str, Any] = {"scores": {name: round(p, 4) for name, p in reading.ranked[:3]}}
        facts.learned = learned
        best, p1 = reading.best
        second, p2 = reading.ranked[1]
        if best == "auto_reply" and p1 >= self.settings["machine_text"]:
            flags["machine_text"] = True
            learned["facts"] = {"machine_text": self._evidence(facts, reading, best, p1, subject)}
            return None, None, reading
        if best == "auto_reply":
            return None, None, reading       # not sure enough that a machine wrote it: the lexicon's facts walk
        found = self.graph.question_between(best, second)
        if found is not None and p1 < self.settings["ask_below"] and p1 - p2 <= self.settings["ask_margin"] \
                and (best == found.target or not found.only_towards):
            # Two close candidates and one fact separates them: ask it, no guidance yet.
            # (A question marked ask = "towards" is asked only when the reader leans to where
            # the fact leads: a vague password mail to this desk is about Microsoft 365.)
            self._impose(facts, reading, subject, best, p1)
            return None, Asked(found, (best, second), (p1, p2)), reading
        if p1 < self.settings["decide"]:
            # Weak evidence and no question to ask: the lexicon's walk stands when it
            # lands on one of the two candidates; otherwise the facts do not settle it.
            lexical_walk = self.graph.walk({name for name, value in flags.items() if value})[0]
            if lexical_walk in (best, second):
                learned["agrees"] = lexical_walk
            elif best == "out_of_scope":
                self._impose(facts, reading, subject, best, p1)
            else:
                flags["unsettled"] = True
                learned["facts"] = {"unsettled": self._evidence(facts, reading, best, p1, subject)}
            return None, None, reading
        self._impose(facts, reading, subject, best, p1)
        return None, None, reading

    def _impose(self, facts: Facts, reading: Reading, subject: str, scenario: str, score: float) -> None:
        """Set the scenario's reader facts; keep each lexicon fact that does not walk the mail elsewhere.

        A lexicon fact that leaves the walk's entry edge as it is and only
        moves it on to the article's last ways back in (no other admin: a
        second admin account, or a support case) is kept: those fallbacks are
        what the article knows, and the graph, not the reader, walks them.
        (Keeping every fallback fact measured worse on dev: the lexicon's
        signed_in and sspr_failed are noisier than the reader.)
        """
        flags = facts.flags
        found = {name for name in self.text_facts if flags.get(name)}
        held = {name for name in self.graph.facts if flags.get(name) and name not in self.text_facts}
        kept = set(self.graph.scenarios[scenario].reader_facts)
        entry = self.graph.walk(held | kept)[2][:1]
        overruled = {}
        for name in self.text_facts:
            if name in found and name not in kept:
                landed, _, fired = self.graph.walk(held | kept | {name})
                if landed == scenario or (fired[:1] == entry and landed in _LAST_WAYS):
                    kept.add(name)
                else:
                    overruled[name] = facts.evidence.get(name, "")
        for name in self.text_facts:
            flags[name] = name in kept
        if flags.get("only_admin"):
            flags["no_other_admin"] = True
        if flags.get("signed_in_admin_center"):
            flags["signed_in"] = True
        new = [name for name in self.graph.scenarios[scenario].reader_facts if name not in found]
        facts.learned["scenario"] = scenario
        if new:
            evidence = self._evidence(facts, reading, scenario, score, subject)
            facts.learned["facts"] = {name: evidence for name in new}
        if overruled:
            facts.learned["overruled"] = overruled

    def _evidence(self, facts: Facts, reading: Reading, scenario: str, score: float, subject: str) -> dict:
        example, similarity = self.reader.nearest_example(reading, scenario)
        own = f"{facts.own_text}\n{facts.forwarded_text}" if facts.forwarded_text else facts.own_text
        return {"scenario": scenario, "score": round(score, 4),
                "sentence": self.reader.telling_sentence(own or subject, scenario),
                "example": example, "similarity": round(similarity, 3)}

    def _answer(self, facts: Facts, question: dict, previous: str) -> str:
        """The answer to our question: the fact it decides, or unclear (a person takes over)."""
        flags = facts.flags
        fact = question.get("fact", "")
        entry = self.graph.facts.get(fact, {}).get("question")
        start: str = question["from"] if question.get("from") in self.graph.scenarios else previous
        if entry is None:
            flags["answer_unclear"] = True
            return start
        # Only the first sentence answers (addresses left out: "contoso.no" says no "no");
        # negations are not blanked here: "no" is the answer.
        first = _FIRST_SENTENCE.match(facts.own_text.strip()[:120])     # it matches any text, '' too
        head = fold(_ADDRESS.sub(" ", first.group(0) if first else ""))
        said = self.lexicon.search(("answer_yes", "answer_no", "answer_unsure"), head)
        yes_means = bool(entry.get("yes", True))
        votes = set()
        if fact in facts.evidence:
            votes.add(True)
        if "answer_yes" in said:
            votes.add(yes_means)
        if "answer_no" in said:
            votes.add(not yes_means)
        # Our question was no guidance: nothing of ours "failed".
        flags["followup_failed"] = False
        if len(votes) != 1 or "answer_unsure" in said:
            flags["answer_unclear"] = True
        else:
            flags[fact] = votes.pop()
        facts.learned = {"answer": {"fact": fact, "holds": flags.get(fact) if not flags.get("answer_unclear") else None,
                                    "said": said}}
        return start


# The article's last ways back in when nobody else can reset the password.
_LAST_WAYS = ("new_admin_account", "support")
_FIRST_SENTENCE = re.compile(r"[^\n]*?(?:[.!?](?=\s|$)|$)", re.MULTILINE)
_GUARDS = ("machine_text", "unsettled", "no_account_named", "request_unconfirmed", "answer_unclear")


def _approval_guards(facts: Facts, mail: InboundMail, desk: str, reading: Reading | None, threshold: float) -> None:
    """What an approval needs besides an authorised, verified sender, checked on the text.

    A named account: an address other than the sender's and the desk's,
    anywhere in the mail (a forwarded plea names it in its header block). An
    explicit request: the lexicon read it, or the learned reader is at least
    `threshold` sure of admin_reset and the lexicon read a lost password;
    never a learned fact alone.
    """
    flags = facts.flags
    if not facts.targets:
        own = (mail.from_addr, desk)
        if not any(a.lower().rstrip(".") not in own for a in _ADDRESS.findall(mail.text or "")):
            flags["no_account_named"] = True
    if "reset_request" in facts.evidence and flags.get("reset_request"):
        return
    lost = any(name in facts.evidence for name in ("password_lost", "sspr_failed"))
    out = any(name in facts.evidence for name in ("not_help_request", "phishing_lure"))
    if not (reading is not None and lost and not out and reading.probability("admin_reset") >= threshold):
        flags["request_unconfirmed"] = True


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
