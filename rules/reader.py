"""The learned reader: scenario probabilities from the writer's new text.

A linear model (multinomial logistic regression) over hashed character
2-5-grams and word 1-2-grams of the folded new text (the text the lexicon
reads, capped), the subject's words, and the lexicon's facts as binary
features. The hashing is our own (numpy and zlib), so reading a mail needs
neither scikit-learn nor scipy: they are imported only to train. It only
*reads*: what the desk does is still the graph's walk over facts
(rules/engine.py turns a confident reading into the facts of its
scenario). Machine-mail headers, sender verification and authorisation never
come from here.

The artefact is two files in one folder (data/model/ when shipped):
`reader.json` (what was trained on what: feature settings, classes, the
lexicon facts used as features, the sha256 of the training examples and of
the weights file) and `reader.npz` (float32 weights, and a small float16
signature of each training example for the "nearest example" evidence).
No pickle: numpy arrays and JSON only. Training is deterministic (sorted
examples, fixed seed), so the same examples give the same files.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterable, Sequence

import numpy as np

from ..config import Config
from ..data import data_dir
from ..errors import KnowledgeError
from .lexicon import Lexicon, fold

FORMAT = 1
MODEL_JSON = "reader.json"
MODEL_NPZ = "reader.npz"
REBUILD = "resetdesk train"
TEXT_CAP = 2000              # characters of new text read: bounds the cost of a huge mail
SUBJECT_CAP = 200
N_FEATURES = 2 ** 18
SIGNATURE = 256              # dimensions of an example's signature (feature hashing folded once more)
FACT_WEIGHT = 0.1            # a lexicon fact's feature value beside the l2-normed text features
PRUNE = 0.05                 # features whose weights all stay below this are dropped: half the size, same readings
_WORD = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


_MASK = np.uint64(N_FEATURES - 1)
_PRIME = np.uint64(1_000_003)
_MIX = np.uint64(0xFF51AFD7ED558CCD)


def _char_indices(text: str) -> np.ndarray:
    """Feature indices of the character 2-5-grams of ` text `: a polynomial hash rolled in numpy, mixed."""
    codes = np.frombuffer(f" {text} ".encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    pieces, rolling = [], codes.copy()
    with np.errstate(over="ignore"):
        for n in range(2, 6):
            if len(codes) < n:
                break
            rolling = rolling[:-1] * _PRIME + codes[n - 1:]
            mixed = (rolling + np.uint64(n)) * _MIX
            pieces.append((mixed ^ (mixed >> np.uint64(29))) & _MASK)
    return np.concatenate(pieces).astype(np.int64) if pieces else np.zeros(0, dtype=np.int64)


def _word_indices(text: str, subject: str) -> np.ndarray:
    """Feature indices of the words, word pairs and subject words (crc32: the same in every process)."""
    words = _WORD.findall(text)
    tokens = ["w " + w for w in words] + ["b " + a + " " + b for a, b in itertools.pairwise(words)]
    tokens += ["s " + w for w in _WORD.findall(subject)]
    return np.fromiter((zlib.crc32(t.encode("utf-8")) & (N_FEATURES - 1) for t in tokens), dtype=np.int64,
                       count=len(tokens))


def featurize(text: str, subject: str) -> tuple[np.ndarray, np.ndarray]:
    """One mail's hashed features: (sorted indices, l2-normed counts) over N_FEATURES.

    Character 2-5-grams and word 1-2-grams of the folded text, and the
    subject's words. Pure numpy and zlib: nothing to import at run time.
    """
    indices, counts = np.unique(np.concatenate([_char_indices(text), _word_indices(text, subject)]), return_counts=True)
    values = counts.astype(np.float32)
    norm = float(np.sqrt((values * values).sum()))
    return indices, (values / norm if norm else values)


def reader_text(own: str, forwarded: str, subject: str) -> tuple[str, str]:
    """What the reader reads: the folded new text (capped) and the folded subject.

    A run of over 40 characters without a blank is no word of any language
    (a pasted blob, a line of dashes or of one letter): it is left out, so
    that a plea beside it is read as the plea it is.
    """
    body = f"{own}\n{forwarded}" if forwarded else own
    return fold(_NOT_WORDS.sub(" ", body[:TEXT_CAP])), fold(_NOT_WORDS.sub(" ", subject[:SUBJECT_CAP]))


_NOT_WORDS = re.compile(r"\S{41,}")


def _signature(indices: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The features folded into SIGNATURE signed buckets, l2-normed: a cheap random projection."""
    signs = np.where((indices // SIGNATURE) % 2 == 0, 1.0, -1.0)
    out = np.bincount(indices % SIGNATURE, weights=values * signs, minlength=SIGNATURE).astype(np.float32)
    norm = float(np.linalg.norm(out))
    return out / norm if norm else out


def examples_digest(examples: Iterable) -> str:
    """sha256 over the sorted ids of the training examples (an id is a hash of its record)."""
    return hashlib.sha256("\n".join(sorted(e.id for e in examples)).encode("ascii")).hexdigest()


@dataclass(frozen=True)
class Reading:
    """What the reader made of one mail: probability per scenario, most probable first."""

    ranked: tuple[tuple[str, float], ...]
    features: tuple | None = None      # (indices, values) of the text, for the evidence

    @property
    def best(self) -> tuple[str, float]:
        """The most probable scenario and its probability."""
        return self.ranked[0]

    def probability(self, scenario: str) -> float:
        """The probability of `scenario` (0 for one the model does not know)."""
        return dict(self.ranked).get(scenario, 0.0)


class Reader:
    """The trained model, loaded from its folder; read() is a few sparse dot products."""

    def __init__(self, meta: dict, arrays: dict, source: Path):
        self.meta = meta
        self.source = source
        self.classes: list[str] = list(meta["classes"])
        self.facts: list[str] = list(meta["facts"])
        self.coef = arrays["coef"]                 # (n_features + n_facts, n_classes) float32
        self.intercept = arrays["intercept"]
        self.signatures = arrays["signatures"].astype(np.float32)
        self.example_labels = arrays["example_labels"]
        self.example_ids = [str(x) for x in arrays["example_ids"]]
        self._fact_rows = {name: self.coef[N_FEATURES + i] for i, name in enumerate(self.facts)}

    @property
    def training_digest(self) -> str:
        """The sha256 of the examples the model was trained on."""
        return self.meta["training"]["sha256"]

    def _logits(self, indices: np.ndarray, values: np.ndarray,
                facts: set[str] | frozenset[str] = frozenset()) -> np.ndarray:
        logits = values @ self.coef[indices] + self.intercept
        for name in facts:
            row = self._fact_rows.get(name)
            if row is not None:
                logits = logits + FACT_WEIGHT * row
        return logits

    def read(self, text: str, subject: str, lexicon_facts: set[str]) -> Reading:
        """Scenario probabilities for one mail (text and subject as reader_text gives them)."""
        indices, values = featurize(text, subject)
        logits = self._logits(indices, values, lexicon_facts)
        exp = np.exp(logits - logits.max())
        probabilities = exp / exp.sum()
        order = np.argsort(-probabilities, kind="stable")
        return Reading(tuple((self.classes[i], float(probabilities[i])) for i in order), (indices, values))

    def nearest_example(self, reading: Reading, scenario: str) -> tuple[str, float]:
        """The training example labelled `scenario` most like this mail, and the cosine of their signatures."""
        label = self.classes.index(scenario)
        rows = np.flatnonzero(self.example_labels == label)
        if not len(rows) or reading.features is None:
            return "", 0.0
        similarity = self.signatures[rows] @ _signature(*reading.features)
        best = int(np.argmax(similarity))
        return self.example_ids[rows[best]], float(similarity[best])

    def telling_sentence(self, original: str, scenario: str) -> str:
        """The sentence of the new text that speaks most for `scenario` (the reader's evidence)."""
        sentences = [s.strip() for s in _SENTENCE.split(original[:TEXT_CAP]) if len(_WORD.findall(s)) >= 2][:40]
        if not sentences:
            return original.strip()[:300]
        label = self.classes.index(scenario)
        # Each feature counts once per occurrence, scaled like an l2 norm of counts near one.
        margins = []
        for sentence in sentences:
            folded = fold(sentence)
            indices = np.concatenate([_char_indices(folded), _word_indices(folded, "")])
            rows = self.coef[indices]
            margins.append(float((rows[:, label] - rows.mean(axis=1)).sum()) / max(1.0, len(indices)) ** 0.5)
        return sentences[int(np.argmax(margins))][:300]


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


_LOADED: dict[tuple, Reader] = {}


def load_reader(directory: str | Path) -> Reader:
    """Load the model from its folder; anything missing or inconsistent is a KnowledgeError naming the fix."""
    directory = Path(directory)
    meta_path, npz_path = directory / MODEL_JSON, directory / MODEL_NPZ
    for path in (meta_path, npz_path):
        if not path.is_file():
            raise KnowledgeError(f"{path}: the learned reader's model is missing; build it with `{REBUILD}`")
    stat = (str(directory.resolve()), meta_path.stat().st_mtime_ns, npz_path.stat().st_mtime_ns,
            npz_path.stat().st_size)
    if stat in _LOADED:
        return _LOADED[stat]
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise KnowledgeError(f"{meta_path}: unreadable ({error}); rebuild it with `{REBUILD}`") from None
    if meta.get("format") != FORMAT or meta.get("features", {}).get("n_features") != N_FEATURES:
        raise KnowledgeError(f"{meta_path}: made by another version of resetdesk; rebuild it with `{REBUILD}`")
    if meta.get("weights_sha256") != _sha256_file(npz_path):
        raise KnowledgeError(f"{npz_path}: does not match {meta_path.name} (sha256 differs); rebuild both with "
                             f"`{REBUILD}`")
    try:
        with np.load(npz_path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        arrays["coef"] = _dense_coef(arrays, len(meta["classes"]), len(meta["facts"]))
    except (OSError, ValueError, KeyError) as error:
        raise KnowledgeError(f"{npz_path}: unreadable ({error}); rebuild it with `{REBUILD}`") from None
    reader = Reader(meta, arrays, directory)
    _LOADED[stat] = reader
    return reader


def _dense_coef(arrays: dict, n_classes: int, n_facts: int) -> np.ndarray:
    """The weights as one (features + facts, classes) float32 matrix; stored sparse by column."""
    coef = np.zeros((N_FEATURES + n_facts, n_classes), dtype=np.float32)
    coef[arrays["columns"]] = arrays["weights"]
    return coef


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An .npz (what np.load reads) with fixed member dates: the same arrays give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(arrays):
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w") as member:
                np.lib.format.write_array(member, np.asarray(arrays[name]), allow_pickle=False)
    return buffer.getvalue()


def train(examples: Sequence, texts: Sequence[tuple[str, str]], facts: Sequence[set[str]], fact_names: Sequence[str],
          classes: Sequence[str], out_dir: str | Path, *, c: float = 20.0, seed: int = 0) -> dict:
    """Fit the model on the examples (with their reader texts and lexicon facts) and write the artefact.

    Returns the metadata written to reader.json.
    """
    import scipy.sparse as sp
    import sklearn
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    order = sorted(range(len(examples)), key=lambda i: examples[i].id)
    examples = [examples[i] for i in order]
    texts = [texts[i] for i in order]
    facts = [facts[i] for i in order]
    labels = np.array([list(classes).index(e.scenario) for e in examples])
    rows = [featurize(*doc) for doc in texts]
    indptr = np.cumsum([0] + [len(i) for i, _ in rows])
    text_matrix = sp.csr_matrix((np.concatenate([v for _, v in rows]), np.concatenate([i for i, _ in rows]), indptr),
                                shape=(len(rows), N_FEATURES), dtype=np.float32)
    fact_matrix = sp.csr_matrix(np.array([[FACT_WEIGHT if name in found else 0.0 for name in fact_names]
                                          for found in facts], dtype=np.float32)
                                .reshape(len(examples), len(fact_names)))
    matrix = sp.hstack([text_matrix, fact_matrix], format="csr")
    model = LogisticRegression(C=c, max_iter=1000, tol=1e-4, random_state=seed)
    with threadpool_limits(1):      # one BLAS thread: sums in one order, the same weights every time
        model.fit(matrix, labels)
    coef = np.zeros((N_FEATURES + len(fact_names), len(classes)), dtype=np.float32)
    coef[:, model.classes_] = model.coef_.T.astype(np.float32)
    intercept = np.zeros(len(classes), dtype=np.float32)
    intercept[model.classes_] = model.intercept_.astype(np.float32)
    columns = np.flatnonzero(np.abs(coef).max(axis=1) >= PRUNE).astype(np.int32)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    weights = _npz_bytes({"columns": columns, "weights": coef[columns], "intercept": intercept,
                          "signatures": np.array([_signature(*row) for row in rows], dtype=np.float16),
                          "example_labels": labels.astype(np.int8), "example_ids": np.array([e.id for e in examples])})
    (out_dir / MODEL_NPZ).write_bytes(weights)
    counts = {name: int((labels == index).sum()) for index, name in enumerate(classes)}
    meta = {
        "format": FORMAT,
        "model": "multinomial logistic regression",
        "features": {"n_features": N_FEATURES, "char_ngrams": [2, 5], "word_ngrams": [1, 2], "subject_words": True,
                     "text_cap": TEXT_CAP, "fact_weight": FACT_WEIGHT, "signature": SIGNATURE,
                     "prune": PRUNE, "kept": int(len(columns))},
        "c": c, "seed": seed,
        "classes": list(classes),
        "facts": list(fact_names),
        "training": {"examples": len(examples), "per_scenario": counts, "sha256": examples_digest(examples)},
        "versions": {"scikit-learn": sklearn.__version__, "numpy": np.__version__},
        "weights_sha256": hashlib.sha256(weights).hexdigest(),
    }
    (out_dir / MODEL_JSON).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return meta


# Only what the lexicon reads in a first mail is a feature: the answers to our questions are not.
NOT_FEATURES = {"guidance_failed", "answer_yes", "answer_no", "answer_unsure"}


def example_dirs(config: Config, directory: str | Path | None = None) -> list[Path]:
    """Where the training examples are: the shipped data/examples/train, and reader.examples when set."""
    base = Path(directory) if directory else data_dir()
    dirs = [base / "examples" / "train"]
    if config.reader.examples:
        dirs.append(config.resolve_path(config.reader.examples))
    return dirs


def model_dir(config: Config, directory: str | Path | None = None) -> Path:
    """Where the model is: reader.model when set, else the shipped data/model."""
    if config.reader.model:
        return config.resolve_path(config.reader.model)
    return (Path(directory) if directory else data_dir()) / "model"


def feature_facts(lexicon: Lexicon) -> list[str]:
    """The lexicon facts the reader takes as features, in a fixed order."""
    return sorted(name for name in lexicon.facts if name not in NOT_FEATURES)
