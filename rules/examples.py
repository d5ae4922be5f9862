"""Labelled example mails: JSON Lines records, their train/dev split, and .eml corpora built from them.

A record is one mail as a writer wrote it (data/examples/README.md):
scenario, language, from_name, from_addr, subject, body, requester,
headers, note (persona too). The same record always builds the same bytes:
the Message-ID and Date come from a hash of the record, so a corpus built
twice is identical and a record's split never changes when others are added.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime, formataddr
from pathlib import Path
from collections.abc import Iterable, Iterator

from ..errors import ResetdeskError
from .decision import SCENARIOS

DESK = "help@resetdesk.example"
TRUSTED_AUTHSERV = "mx.resetdesk.example"
DEV_PERCENT = 15
LANGUAGES = ("en", "nb")
_REPLY_ACTIONS = {"sspr", "security_info", "forgot_username", "admin_reset", "new_admin_account"}
# Headers the builder writes itself; a record cannot override them.
_OWN_HEADERS = {"from", "to", "subject", "date", "message-id", "mime-version", "content-type",
                "content-transfer-encoding", "authentication-results"}
_CONTROL = re.compile(r"[\r\n\x00]+")
_BASE_DATE = datetime(2026, 11, 2, 8, 0, tzinfo=timezone(timedelta(hours=1)))


class ExampleError(ResetdeskError):
    """A labelled example record is malformed."""


def action_for(scenario: str, requester: bool = False) -> str:
    """The action the contract gives a scenario (approval_requested for an authorised requester)."""
    if scenario == "admin_reset" and requester:
        return "approval_requested"
    if scenario in _REPLY_ACTIONS:
        return "reply"
    return "ignore" if scenario == "auto_reply" else "escalate"


@dataclass(frozen=True)
class Example:
    """One labelled record, with its stable id and where it was read."""

    id: str
    record: dict
    source: str

    @property
    def scenario(self) -> str:
        """The labelled scenario."""
        return self.record["scenario"]

    @property
    def language(self) -> str:
        """The language the desk should answer in (nb or en)."""
        return self.record["language"]

    @property
    def requester(self) -> bool:
        """Whether the builder sends it from an authorised, verified requester."""
        return bool(self.record.get("requester"))

    @property
    def split(self) -> str:
        """train or dev, by a hash of the example's id (stable as examples are added)."""
        return split_of(self.id)


def record_id(record: dict) -> str:
    """A stable id: a hash of the record's canonical JSON (its place in a file does not matter)."""
    canonical = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "ex-" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def split_of(example_id: str) -> str:
    """'dev' for about DEV_PERCENT in a hundred records, else 'train'; fixed by the id alone."""
    digest = hashlib.sha256(example_id.encode("ascii")).digest()
    return "dev" if int.from_bytes(digest[:4], "big") % 100 < DEV_PERCENT else "train"


def _check(record, where: str) -> dict:
    if not isinstance(record, dict):
        raise ExampleError(f"{where}: expected a JSON object")
    for key in ("scenario", "language", "body"):
        if not isinstance(record.get(key), str):
            raise ExampleError(f"{where}: {key!r} missing or not a string")
    if record["scenario"] not in SCENARIOS:
        raise ExampleError(f"{where}: scenario {record['scenario']!r} is not one of {', '.join(SCENARIOS)}")
    if record["language"] not in LANGUAGES:
        raise ExampleError(f"{where}: language {record['language']!r} is not one of {', '.join(LANGUAGES)}")
    if not isinstance(record.get("headers", {}), dict):
        raise ExampleError(f"{where}: 'headers' must be an object")
    if record.get("requester") and record["scenario"] != "admin_reset":
        raise ExampleError(f"{where}: requester is only for admin_reset")
    return record


def jsonl_files(paths: Iterable[str | Path]) -> list[Path]:
    """The *.jsonl files named, a directory standing for the ones under it; sorted, each once."""
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        found = sorted(path.rglob("*.jsonl")) if path.is_dir() else [path]
        files.extend(p for p in found if p not in files)
    return files


def read_examples(paths: Iterable[str | Path], *, strict: bool = True) -> list[Example]:
    """Every record in the files (sorted; a record twice is read once).

    With strict=False a malformed line (a writer still writing it) is skipped.
    """
    seen: set[str] = set()
    examples: list[Example] = []
    for path in jsonl_files(paths):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as error:
            raise ExampleError(f"{path}: {error.strerror or error}") from None
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                record = _check(json.loads(line), where)
            except (ValueError, ExampleError) as error:
                if strict:
                    raise ExampleError(str(error) if isinstance(error, ExampleError) else f"{where}: {error}") from None
                continue
            example_id = record_id(record)
            if example_id not in seen:
                seen.add(example_id)
                examples.append(Example(example_id, record, where))
    return examples


def import_examples(sources: Iterable[str | Path], destination: str | Path) -> dict[str, int]:
    """Copy the records of each source directory into destination/train/<name>.jsonl and dev/<name>.jsonl.

    A source's files are rewritten whole, so importing again after a writer
    added mail gives the same split for the records already there. Lines a
    writer is still writing (not valid JSON) are left for the next import.
    """
    destination = Path(destination)
    counts = {"train": 0, "dev": 0}
    for source in sources:
        source = Path(source)
        name = source.name if source.is_dir() else source.stem
        by_split: dict[str, list[str]] = {"train": [], "dev": []}
        for example in read_examples([source], strict=False):
            by_split[example.split].append(json.dumps(example.record, ensure_ascii=False, sort_keys=True))
        for split, lines in by_split.items():
            directory = destination / split
            directory.mkdir(parents=True, exist_ok=True)
            (directory / f"{name}.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
            counts[split] += len(lines)
    return counts


def corpus_records(corpus_dir: str | Path) -> list[dict]:
    """A labelled .eml corpus (labels.csv and mail/) as example records: the text the desk reads, and the label."""
    from ..intake.parse import parse_message

    corpus_dir = Path(corpus_dir)
    records: list[dict] = []
    with (corpus_dir / "labels.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            mail = parse_message((corpus_dir / "mail" / row["file"]).read_bytes())
            records.append({"scenario": row["scenario"], "language": row["language"],
                            "persona": f"{corpus_dir.name}/{row['file']}", "from_name": mail.from_name,
                            "from_addr": mail.from_addr, "subject": mail.subject, "body": mail.text,
                            "requester": row["action"] == "approval_requested", "headers": {},
                            "note": row.get("note", "")})
    return records


def import_corpora(corpora: Iterable[str | Path], destination: str | Path, name: str) -> dict[str, int]:
    """Labelled .eml corpora into destination/train/<name>.jsonl and dev/<name>.jsonl, split like any record."""
    destination = Path(destination)
    by_split: dict[str, list[str]] = {"train": [], "dev": []}
    for corpus in corpora:
        for number, record in enumerate(corpus_records(corpus), start=1):
            record = _check(record, f"{corpus}:{number}")
            by_split[split_of(record_id(record))].append(json.dumps(record, ensure_ascii=False, sort_keys=True))
    for split, lines in by_split.items():
        (destination / split).mkdir(parents=True, exist_ok=True)
        (destination / split / f"{name}.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return {split: len(lines) for split, lines in by_split.items()}


def _number(example_id: str) -> int:
    return int(example_id.split("-", 1)[1], 16)


def to_eml(example: Example, requesters: tuple[str, ...] = ()) -> bytes:
    """The mail as it would arrive: a requester record comes from an authorised, verified address."""
    record = example.record
    number = _number(example.id)
    message = EmailMessage(policy=default_policy)
    from_addr = _CONTROL.sub(" ", str(record.get("from_addr") or "")).strip() or f"writer-{number % 10_000}@example.net"
    if example.requester:
        if not requesters:
            raise ExampleError(f"{example.source}: a requester record needs policy.requesters")
        from_addr = requesters[number % len(requesters)]
        domain = from_addr.rsplit("@", 1)[1]
        message["Authentication-Results"] = f"{TRUSTED_AUTHSERV}; dmarc=pass header.from={domain}"
    for name, value in sorted((record.get("headers") or {}).items()):
        if name.lower() not in _OWN_HEADERS and re.fullmatch(r"[A-Za-z0-9-]+", name):
            message[name] = _CONTROL.sub(" ", str(value))
    message["From"] = formataddr((_CONTROL.sub(" ", str(record.get("from_name") or "")), from_addr))
    message["To"] = DESK
    message["Subject"] = _CONTROL.sub(" ", str(record.get("subject") or ""))
    message["Date"] = format_datetime(_BASE_DATE + timedelta(minutes=number % (60 * 24 * 28)))
    message["Message-ID"] = f"<{example.id}@examples.resetdesk.example>"
    body = record["body"].replace("\r\n", "\n").replace("\r", "\n")
    message.set_content(body if body.endswith("\n") else body + "\n", charset="utf-8")
    return message.as_bytes()


def label_row(example: Example, file: str) -> dict[str, str]:
    """The labels.csv row of an example."""
    note = _CONTROL.sub(" ", str(example.record.get("note") or "")).strip()
    return {"file": file, "scenario": example.scenario, "action": action_for(example.scenario, example.requester),
            "language": example.language, "note": note}


def labelled_mails(examples: Iterable[Example], requesters: tuple[str, ...]) -> Iterator[tuple[str, bytes, dict]]:
    """(file name, .eml bytes, labels row) for each example, in a fixed order (by id)."""
    for number, example in enumerate(sorted(examples, key=lambda e: e.id), start=1):
        name = f"{number:04d}-{example.id}.eml"
        yield name, to_eml(example, requesters), label_row(example, name)


def build_corpus(examples: Iterable[Example], out_dir: str | Path, policy_file: str | Path) -> int:
    """Write out_dir/mail/*.eml, labels.csv and policy.toml (a copy of policy_file); returns the count."""
    from .. import config as config_module

    out_dir = Path(out_dir)
    requesters = config_module.load(policy_file).policy.requesters
    mail_dir = out_dir / "mail"
    if mail_dir.exists():
        shutil.rmtree(mail_dir)
    mail_dir.mkdir(parents=True)
    rows = []
    for name, data, row in labelled_mails(examples, requesters):
        (mail_dir / name).write_bytes(data)
        rows.append(row)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["file", "scenario", "action", "language", "note"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (out_dir / "labels.csv").write_text(buffer.getvalue(), encoding="utf-8")
    if Path(policy_file).resolve() != (out_dir / "policy.toml").resolve():
        shutil.copyfile(policy_file, out_dir / "policy.toml")
    return len(rows)
