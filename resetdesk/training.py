"""`resetdesk train`: the learned reader fitted on the labelled examples, reproducibly."""

from __future__ import annotations

from pathlib import Path

from .config import Config
from .examples import Example, labelled_mails, read_examples
from .intake.parse import parse_message
from .rules.decision import SCENARIOS
from .rules.facts import FactExtractor
from .rules.graph import default_data_dir
from .rules.lexicon import Lexicon, load_lexicon
from .rules.reader import reader_text, train

# Only what the lexicon reads in a first mail is a feature: the answers to our questions are not.
NOT_FEATURES = {"guidance_failed", "answer_yes", "answer_no", "answer_unsure"}


def example_dirs(config: Config, data_dir: str | Path | None = None) -> list[Path]:
    """Where the training examples are: the shipped data/examples/train, and reader.examples when set."""
    base = Path(data_dir) if data_dir else default_data_dir()
    dirs = [base / "examples" / "train"]
    if config.reader.examples:
        dirs.append(config.resolve_path(config.reader.examples))
    return dirs


def model_dir(config: Config, data_dir: str | Path | None = None) -> Path:
    """Where the model is: reader.model when set, else the shipped data/model."""
    if config.reader.model:
        return config.resolve_path(config.reader.model)
    return (Path(data_dir) if data_dir else default_data_dir()) / "model"


def feature_facts(lexicon: Lexicon) -> list[str]:
    """The lexicon facts the reader takes as features, in a fixed order."""
    return sorted(name for name in lexicon.facts if name not in NOT_FEATURES)


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
                 data_dir: str | Path | None = None, *, c: float = 20.0, seed: int = 0) -> dict:
    """Train on the examples (sorted by id, fixed seed) and write reader.json + reader.npz; returns the metadata."""
    base = Path(data_dir) if data_dir else default_data_dir()
    lexicon = load_lexicon(base / "lexicons")
    examples = sorted(read_examples(sources or example_dirs(config, data_dir)), key=lambda e: e.id)
    if not examples:
        raise ValueError("no training examples found")
    texts, facts = reader_inputs(examples, config, lexicon)
    return train(examples, texts, facts, feature_facts(lexicon), list(SCENARIOS),
                 out_dir or model_dir(config, data_dir), c=c, seed=seed)
