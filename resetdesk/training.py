"""`resetdesk train`: the learned reader fitted on the labelled examples, reproducibly."""

from __future__ import annotations

from pathlib import Path

from .config import Config
from .data import data_dir
from .rules.examples import Example, labelled_mails, read_examples
from .intake.parse import parse_message
from .rules.decision import SCENARIOS
from .rules.facts import FactExtractor
from .rules.lexicon import Lexicon, load_lexicon
from .rules.reader import example_dirs, feature_facts, model_dir, reader_text, train

def reader_inputs(examples: list[Example], config: Config, lexicon: Lexicon) -> tuple[list, list]:
    """For each example, as the desk would see it: (reader text, subject) and the lexicon's facts."""
    extractor = FactExtractor(config, lexicon)
    texts, facts = [], []
    for _, data, _ in labelled_mails(examples, config.policy.requesters or ("requester@example.invalid",)):
        mail = parse_message(data)
        found = extractor.extract(mail)
        texts.append(reader_text(found.own_text, found.forwarded_text, mail.subject))
        facts.append(set(found.evidence))
    # labelled_mails sorts by id: put the examples in the same order.
    return texts, facts


def train_reader(config: Config, out_dir: str | Path | None = None, sources: list[str | Path] | None = None,
                 directory: str | Path | None = None, *, c: float = 20.0, seed: int = 0) -> dict:
    """Train on the examples (sorted by id, fixed seed) and write reader.json + reader.npz; returns the metadata."""
    base = Path(directory) if directory else data_dir()
    lexicon = load_lexicon(base / "lexicons")
    examples = sorted(read_examples(sources or example_dirs(config, directory)), key=lambda e: e.id)
    if not examples:
        raise ValueError("no training examples found")
    texts, facts = reader_inputs(examples, config, lexicon)
    return train(examples, texts, facts, feature_facts(lexicon), list(SCENARIOS),
                 out_dir or model_dir(config, directory), c=c, seed=seed)
