"""Lexicons: the phrases behind each fact, as data in data/lexicons/*.toml.

Each language file maps a fact name to a list of Python regular expressions.
Matching happens on *folded* text: lower-cased, with æ/ø/å and their ASCII
stand-ins (ae, oe, aa) folded alike, so "pålogget", "paalogget" and "palogget"
are one word to the rules. Patterns are folded the same way when loaded, so an
admin writes them in ordinary Norwegian. A pattern matches from the start of
a word. durable-rules never sees text: its
own regex dialect cannot match \\w or non-ASCII case.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

# The parser of `re` itself: how the prefilter reads a pattern (Python 3.11+, as pyproject requires).
# typeshed has no stubs for these private modules.
from re import _constants as _sre, _parser as _sre_parse  # type: ignore[attr-defined]

from ..errors import KnowledgeError

_FOLDS = (("æ", "a"), ("ä", "a"), ("ø", "o"), ("ö", "o"), ("å", "a"), ("é", "e"),
          ("aa", "a"), ("ae", "a"), ("oe", "o"))
_SPACES = re.compile(r"\s+")
_UPPER_ESCAPE = re.compile(r"\\[A-Z]")


def fold(text: str) -> str:
    """Case-fold and fold Norwegian letters with their ASCII spellings."""
    text = text.casefold()
    for before, after in _FOLDS:
        text = text.replace(before, after)
    return _SPACES.sub(" ", text)


def _literal_requirements(items) -> list[frozenset[str]]:
    """Strings a match of this parsed sequence must contain: each set is an any-of.

    A run of literal characters at the top level must appear verbatim; an
    alternation right after a run needs the run plus one branch's leading
    literals. Everything else (classes, repeats that may be empty, groups)
    only ends the run, which weakens the filter but never makes it wrong.
    """
    needs: list[frozenset[str]] = []
    run = ""

    def flush():
        nonlocal run
        if len(run) >= 3:
            needs.append(frozenset([run]))
        run = ""

    for op, value in items:
        if op is _sre.LITERAL:
            run += chr(value)
        elif op is _sre.BRANCH:
            leads = []
            for branch in value[1]:
                lead = ""
                for branch_op, branch_value in branch:
                    if branch_op is not _sre.LITERAL:
                        break
                    lead += chr(branch_value)
                leads.append(run + lead)
            if leads and min(map(len, leads)) >= 2:
                needs.append(frozenset(leads))
            run = ""
        elif op is _sre.SUBPATTERN:
            flush()
            needs.extend(_literal_requirements(value[-1]))
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and value[0] >= 1:
            flush()
            needs.extend(_literal_requirements(value[2]))
        else:
            flush()
    flush()
    return needs


_CHAR_CLASS = re.compile(r"\[(?:\\.|[^\]\\])*\]")


def fold_pattern(pattern: str) -> str:
    """fold() for a regex: a character class gets single-letter folds only.

    Digraph folds would break a class: [oe] must not become [o].
    """
    pieces, last = [], 0
    for found in _CHAR_CLASS.finditer(pattern):
        pieces.append(fold(pattern[last:found.start()]))
        single = found.group(0).casefold()
        for before, after in _FOLDS:
            if len(before) == 1:
                single = single.replace(before, after)
        pieces.append(single)
        last = found.end()
    pieces.append(fold(pattern[last:]))
    return "".join(pieces)


def _first_chars(items) -> set[str] | None:
    """The characters a match can start with, or None when any could."""
    found: set[str] = set()
    for op, value in items:
        if op is _sre.AT:
            continue  # \b and friends consume nothing
        if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT):
            inner = _first_chars(value[2])
            if inner is None:
                return None
            found |= inner
            if value[0] >= 1:
                return found
            continue  # optional: what follows may start the match too
        if op is _sre.LITERAL:
            return found | {chr(value)}
        if op is _sre.BRANCH:
            for branch in value[1]:
                first = _first_chars(branch)
                if first is None:
                    return None
                found |= first
            return found
        if op is _sre.SUBPATTERN:
            inner = _first_chars(value[-1])
            return None if inner is None else found | inner
        if op is _sre.IN:
            for member_op, member in value:
                if member_op is _sre.LITERAL:
                    found.add(chr(member))
                elif member_op is _sre.RANGE:
                    found.update(chr(code) for code in range(member[0], member[1] + 1))
                else:
                    return None
            return found
        return None
    return None  # a pattern that can match empty


@dataclass(frozen=True)
class FactPatterns:
    """A fact's phrases as one alternation, and the literals that can trigger it.

    `triggers` holds, for every phrase, the literals one of which any match of
    that phrase must contain; when none is in the text, no phrase can match and
    the regex is not run (a substring test is ~100x cheaper than a search).
    None means some phrase has no such literal: the regex always runs.
    """

    pattern: re.Pattern
    triggers: tuple[str, ...] | None

    def search(self, text: str):
        """The phrase that matched in `folded_text`, or ''."""
        if self.triggers is not None and not any(map(text.__contains__, self.triggers)):
            return None
        return self.pattern.search(text)


# From the start of a run of stops only, and never giving any back (++): tried
# inside a run of dots, the pattern cost the square of the run.
_SENTENCE_END = re.compile(r"(?<![.!?])[.!?]++(?:\s|$)| - | \u2013 ")


@dataclass(frozen=True)
class Together:
    """A fact that holds when a word of every group stands in one sentence.

    More general than listing phrases: 'password' and 'forgot' in one
    sentence cover the many ways people say it, typos of the rest included.
    """

    fact: str
    groups: tuple[re.Pattern, ...]

    def search(self, text: str):
        """The matched words joined when every group matches within one sentence, or ''."""
        if not all(group.search(text) for group in self.groups):
            return None
        for sentence in _SENTENCE_END.split(text):
            hits = [group.search(sentence) for group in self.groups]
            if all(hits):
                return hits[0]
        return None


@dataclass
class Lexicon:
    """Compiled patterns: fact -> phrases over all languages, word combinations, negations,
    the words that tell the languages apart, and the machine-mail subject and sender lists."""

    facts: dict[str, FactPatterns] = field(default_factory=dict)
    together: dict[str, list[Together]] = field(default_factory=dict)
    word_weights: dict[str, tuple[int, int]] = field(default_factory=dict)   # word -> (nb, en) points
    mask: FactPatterns | None = None       # negated phrases, blanked before facts are searched
    machine_subject: re.Pattern | None = None
    robot_localpart: re.Pattern | None = None

    def first_match(self, fact: str, folded_text: str):
        patterns = self.facts.get(fact)
        hit = patterns.search(folded_text) if patterns is not None else None
        if hit is None:
            for rule in self.together.get(fact, ()):
                hit = rule.search(folded_text)
                if hit is not None:
                    break
        return hit

    def unmask(self, folded_text: str) -> str:
        """The text without its negated phrases ('nobody forgot a password')."""
        if self.mask is not None and self.mask.search(folded_text):
            folded_text = self.mask.pattern.sub(" ~ ", folded_text)
        return folded_text

    def search(self, facts, folded_text: str) -> dict[str, str]:
        """The facts whose patterns match, each with the phrase that matched (the evidence)."""
        found = {}
        for fact in facts:
            hit = self.first_match(fact, folded_text)
            if hit:
                found[fact] = hit.group(0)
        return found


def _selectivity(alts: frozenset[str]) -> tuple[bool, int, int]:
    shortest = min(map(len, alts))
    return shortest >= 4, -len(alts), shortest


def _compile(where: str, patterns: list[str]) -> FactPatterns:
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise KnowledgeError(f"{where}: expected a list of strings")
    alternatives: list[str] = []
    triggers: set[str] = set()
    starts: set[str] = set()
    always = False
    any_start = False
    for pattern in patterns:
        if _UPPER_ESCAPE.search(pattern):
            # Folding lower-cases the pattern: \S would become \s.
            raise KnowledgeError(f"{where}: {pattern!r}: upper-case escapes (\\S, \\W, \\B, \\D) are not allowed")
        folded = fold_pattern(pattern)
        try:
            parsed = _sre_parse.parse(folded)   # the parse re.compile would do: it checks the syntax
        except re.error as error:
            raise KnowledgeError(f"{where}: bad pattern {pattern!r}: {error}") from None
        alternatives.append(f"(?:{folded})")
        needs = _literal_requirements(parsed)
        first = _first_chars(parsed)
        if first is None:
            any_start = True
        else:
            starts |= first
        if needs:
            # A selective requirement (no literal under 4 characters: 'pa' is in every
            # text), and of those the one with fewest alternatives to test.
            chosen = max(needs, key=_selectivity)
            triggers.update(chosen)
        else:
            always = True
    # A literal that contains another trigger adds nothing: the shorter one is in the text too.
    triggers = {t for t in triggers if not any(o != t and o in t for o in triggers)}
    # Every phrase starts at a word: \b skips mid-word positions at once, and a
    # class of the phrases' first letters skips most word starts in one test.
    lookahead = "" if any_start else "(?=[" + "".join(re.escape(c) for c in sorted(starts)) + "])"
    compiled = re.compile(r"\b" + lookahead + "(?:" + "|".join(alternatives) + ")")
    return FactPatterns(compiled, None if always else tuple(sorted(triggers, key=len)))


def _compile_one(where: str, patterns: list[str]) -> re.Pattern:
    """One alternation (for the machine-mail subject and sender lists)."""
    return _compile(where, patterns).pattern


def load_lexicon(directory: str | Path) -> Lexicon:
    """Load and check the lexicons in `directory`; a bad pattern is a KnowledgeError naming it."""
    directory = Path(directory)
    lexicon = Lexicon()
    patterns: dict[str, list[str]] = {}
    strong_words: dict[str, set[str]] = {}
    weak_words: dict[str, set[str]] = {}
    for path in sorted(directory.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise KnowledgeError(f"{path}: {error}") from None
        if path.stem == "machine":
            lexicon.machine_subject = _compile_one(f"{path}: subject", data.get("subject", []))
            lexicon.robot_localpart = _compile_one(f"{path}: robot_localpart", data.get("robot_localpart", []))
            continue
        language = path.stem
        for index, entry in enumerate(data.pop("together", [])):
            where = f"{path}: together[{index}]"
            if not isinstance(entry, dict) or "fact" not in entry or not isinstance(entry.get("words"), list):
                raise KnowledgeError(f"{where}: expected fact = \"...\" and words = [[...], [...]]")
            groups = tuple(_compile(f"{where}.words[{n}]", group).pattern for n, group in enumerate(entry["words"]))
            if len(groups) < 2:
                raise KnowledgeError(f"{where}: needs at least two word groups")
            lexicon.together.setdefault(entry["fact"], []).append(Together(entry["fact"], groups))
        strong_words[language] = {fold(w) for w in data.pop("language_words", [])}
        weak_words[language] = {fold(w) for w in data.pop("weak_language_words", [])}
        for fact, items in data.items():
            if not isinstance(items, list):
                raise KnowledgeError(f"{path}: {fact}: expected a list of strings")
            patterns.setdefault(fact, []).extend(items)
    negated = patterns.pop("negated", [])
    if negated:
        lexicon.mask = _compile(f"{directory}: negated", negated)
    for fact, items in patterns.items():
        lexicon.facts[fact] = _compile(f"{directory}: {fact}", items)
    # One table for the language count: a word is looked up once, not per language.
    for word in set().union(*strong_words.values(), *weak_words.values()):
        nb, en = (2 if word in strong_words.get(lang, ()) else 1 if word in weak_words.get(lang, ()) else 0
                  for lang in ("nb", "en"))
        lexicon.word_weights[word] = (nb, en)
    unknown = set(lexicon.together) - set(lexicon.facts)
    if unknown:
        raise KnowledgeError(f"{directory}: together names facts with no phrases: {', '.join(sorted(unknown))}")
    if lexicon.machine_subject is None:
        raise KnowledgeError(f"{directory}: machine.toml is missing")
    return lexicon
