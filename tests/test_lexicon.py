"""The lexicon: folding, loading errors, and the fast paths that must never change a result."""

import re
from pathlib import Path

import pytest

from resetdesk.errors import KnowledgeError
from resetdesk.intake.parse import parse_message
from resetdesk.rules.engine import Knowledge
from resetdesk.rules.lexicon import fold, fold_pattern, load_lexicon
from resetdesk.rules.text import new_text

TESTS = Path(__file__).resolve().parent


def test_fold_makes_norwegian_spellings_alike():
    assert fold("Pålogget") == fold("paalogget") == fold("palogget") == "palogget"
    assert fold("GLØYMT  passord") == "gloymt passord"


def test_fold_pattern_keeps_character_classes_whole():
    # [oe] folded as text would become [o] and "forget" would never match.
    assert fold_pattern(r"forg[oe]t (?:pålogget|aa)") == r"forg[oe]t (?:palogget|a)"
    assert re.search(fold_pattern(r"\bforg[oe]t"), "i forget")


def all_texts():
    texts = []
    for directory in ("corpus", "corpus_holdout"):
        for path in sorted((TESTS / directory / "mail").glob("*.eml")):
            mail = parse_message(path.read_bytes())
            texts += [fold(new_text(mail.text, mail.subject)), fold(mail.subject), fold(mail.text)]
    return texts


def test_triggers_and_first_letters_never_change_a_match():
    lexicon = Knowledge.load().lexicon
    texts = all_texts()
    assert len(texts) > 600
    checked = 0
    for fact, patterns in list(lexicon.facts.items()) + [("negated", lexicon.mask)]:
        body = patterns.pattern.pattern
        plain = re.compile(r"\b" + body[body.index("(?:"):] if "(?=" in body else body)
        for text in texts:
            assert bool(patterns.search(text)) == bool(plain.search(text)), (fact, text[:120])
            checked += 1
    assert checked > 9000


@pytest.mark.parametrize("content, message", [
    ("password_lost = ['\\\\Sforgot']\n", "upper-case escapes"),
    ("password_lost = ['(unclosed']\n", "bad pattern"),
    ("password_lost = 'not a list'\n", "expected a list of strings"),
    ("[[together]]\nfact = \"x\"\nwords = [['a']]\n", "at least two word groups"),
])
def test_broken_lexicons_are_refused(tmp_path, content, message):
    (tmp_path / "machine.toml").write_text("subject = ['x']\nrobot_localpart = ['y']\n")
    (tmp_path / "en.toml").write_text(content)
    with pytest.raises(KnowledgeError, match=message):
        load_lexicon(tmp_path)
