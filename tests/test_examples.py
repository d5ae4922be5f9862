"""Labelled examples: the writers' JSON Lines, their split, and the .eml corpus built from them."""

import csv
import json

import pytest

from resetdesk import config as config_module
from resetdesk.rules.examples import (Example, ExampleError, build_corpus, import_examples, read_examples, record_id,
                                      split_of, to_eml)
from resetdesk.intake.parse import parse_message
from resetdesk.rules.facts import verify_sender

RECORDS = [
    {"scenario": "sspr", "language": "nb", "persona": "a", "from_name": "Kari Haugland", "from_addr": "kari@hamar.no",
     "subject": "Glemt passord – hjelp", "body": "Hei\nJeg har glemt passordet.\nKari", "requester": False,
     "headers": {}, "note": "own password"},
    {"scenario": "admin_reset", "language": "en", "persona": "b", "from_name": "Lars Berg",
     "from_addr": "lars@x.example",
     "subject": "reset", "body": "Please reset the password for anna@contoso.no.", "requester": True, "headers": {},
     "note": "IT asks for a named account"},
    {"scenario": "auto_reply", "language": "en", "persona": "c", "from_name": "Bob", "from_addr": "bob@y.example",
     "subject": "Out of office", "body": "I am away until Monday.", "requester": False,
     "headers": {"Auto-Submitted": "auto-replied", "From": "evil@z.example"}, "note": "OOO"},
]


def write(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_ids_and_splits_are_fixed_by_the_record_alone():
    reordered = dict(reversed(list(RECORDS[0].items())))
    assert record_id(RECORDS[0]) == record_id(reordered) != record_id(RECORDS[1])
    assert split_of(record_id(RECORDS[0])) in ("train", "dev")
    ids = [f"ex-{n:012x}" for n in range(2000)]
    share = sum(split_of(i) == "dev" for i in ids) / len(ids)
    assert 0.1 < share < 0.2


def test_build_is_deterministic_and_labels_by_the_contract(tmp_path):
    source = write(tmp_path / "001.jsonl", RECORDS)
    policy = tmp_path / "policy.toml"
    policy.write_text('[policy]\ntrusted_authserv_ids = ["mx.resetdesk.example"]\nrequesters = '
                      '["it-lead@fabrikam.com"]\n')
    assert build_corpus(read_examples([source]), tmp_path / "one", policy) == 3
    build_corpus(read_examples([source]), tmp_path / "two", policy)
    one = sorted((tmp_path / "one" / "mail").iterdir())
    assert [p.read_bytes() for p in one] == [p.read_bytes() for p in sorted((tmp_path / "two" / "mail").iterdir())]
    rows = {row["scenario"]: row for row in csv.DictReader((tmp_path / "one" / "labels.csv").open(encoding="utf-8"))}
    assert rows["admin_reset"]["action"] == "approval_requested" and rows["sspr"]["action"] == "reply"
    assert rows["auto_reply"]["action"] == "ignore"
    mails = {row["scenario"]: parse_message((tmp_path / "one" / "mail" / row["file"]).read_bytes())
             for row in rows.values()}
    requester = mails["admin_reset"]
    assert requester.from_addr == "it-lead@fabrikam.com"
    assert verify_sender(requester, ("mx.resetdesk.example",))[0]
    assert mails["sspr"].subject == "Glemt passord – hjelp" and "glemt passordet" in mails["sspr"].text
    assert mails["sspr"].message_id and mails["sspr"].date is not None
    assert mails["auto_reply"].header("auto-submitted") == "auto-replied"
    assert mails["auto_reply"].from_addr == "bob@y.example"       # a record cannot set the builder's own headers
    assert config_module.load(tmp_path / "one" / "policy.toml").policy.requesters == ("it-lead@fabrikam.com",)


def test_import_keeps_each_records_split_and_skips_a_line_in_progress(tmp_path):
    writer = tmp_path / "w1"
    writer.mkdir()
    write(writer / "001.jsonl", RECORDS[:2])
    import_examples([writer], tmp_path / "examples")
    before = {e.id: e.split for e in read_examples([tmp_path / "examples"])}
    (writer / "002.jsonl").write_text(json.dumps(RECORDS[2]) + "\n{\"scenario\": \"ss", encoding="utf-8")
    counts = import_examples([writer], tmp_path / "examples")
    after = {e.id: e.split for e in read_examples([tmp_path / "examples"])}
    assert sum(counts.values()) == 3 and all(after[i] == split for i, split in before.items())


@pytest.mark.parametrize("change, message", [
    ({"scenario": "password"}, "scenario 'password'"),
    ({"language": "sv"}, "language 'sv'"),
    ({"requester": True}, "requester is only for admin_reset"),
])
def test_a_malformed_record_is_named(tmp_path, change, message):
    source = write(tmp_path / "bad.jsonl", [dict(RECORDS[0], **change)])
    with pytest.raises(ExampleError, match=message) as caught:
        read_examples([source])
    assert "bad.jsonl:1" in str(caught.value)


def test_a_requester_record_needs_requesters():
    with pytest.raises(ExampleError, match="policy.requesters"):
        to_eml(Example(record_id(RECORDS[1]), RECORDS[1], "x:1"))
