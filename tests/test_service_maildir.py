"""The service on its embedded default: a local Maildir in, the outbox Maildir out, no servers.

Also home to the helpers the other service tests import (`write_config`,
`run_desk`, `drop`, ...): tests/ is on sys.path (conftest.py).
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path


from resetdesk import config as config_module
from resetdesk.config import SCHEMA
from resetdesk.intake.maildir import MaildirSource
from resetdesk.rules.decision import Decision, FiredRule
from resetdesk.service import Desk

REPO = Path(__file__).resolve().parent.parent
SAMPLES = sorted((REPO / "data" / "samples").glob("*.eml"))
EXAMPLE = REPO / "data" / "resetdesk.example.toml"
DESK = "help@resetdesk.example"


# ------------------------------------------------------------------ helpers


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value))


def write_config(directory: Path, **tables: dict) -> Path:
    """A config file in `directory`; its relative paths (var/...) resolve next to it."""
    tables.setdefault("policy", {}).setdefault("desk_address", DESK)
    lines = []
    for table, values in tables.items():
        lines.append(f"[{table}]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in values.items()]
    path = directory / "resetdesk.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def config_from_servers(directory: Path, desk_config, dovecot=None, smtp=None, *,
                        imap_table: dict | None = None, smtp_table: dict | None = None, **tables: dict) -> Path:
    """write_config with [imap]/[smtp] pointing at the test servers.

    `desk_config` is conftest's fixture: it also puts the servers' passwords
    into the environment (RESETDESK_IMAP_PASSWORD, RESETDESK_SMTP_PASSWORD)
    for the test's duration, where the subprocess inherits them.
    """
    loaded = desk_config(dovecot=dovecot, smtp=smtp)
    if dovecot is not None:
        tables["imap"] = {**dict(loaded.imap), "poll_interval": 1.0, **(imap_table or {})}
    if smtp is not None:
        tables["smtp"] = {**dict(loaded.smtp), "retry_initial_seconds": 0.0, **(smtp_table or {})}
    return write_config(directory, **tables)


def desk_command(config_path: Path, *args: str) -> list[str]:
    return [sys.executable, "-c", "from resetdesk.cli import cli; cli()", "run", "--config", str(config_path), *args]


def run_desk(config_path: Path, *args: str, crash_at: str | None = None, env: dict | None = None,
             timeout: float = 120) -> subprocess.CompletedProcess:
    """`resetdesk run --once` in a subprocess (a real process, so SIGKILL crash points work)."""
    environment = {**os.environ, **(env or {})}
    environment.pop("RESETDESK_TEST_CRASH_AT", None)
    if crash_at:
        environment["RESETDESK_TEST_CRASH_AT"] = crash_at
    return subprocess.run(desk_command(config_path, "--once", *args), capture_output=True, text=True,
                          env=environment, timeout=timeout)


def start_desk(config_path: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    """`resetdesk run` (the long-running service) in a subprocess."""
    environment = {**os.environ, **(env or {})}
    environment.pop("RESETDESK_TEST_CRASH_AT", None)
    return subprocess.Popen(desk_command(config_path, *args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=environment)


def drop(maildir: Path, raw: bytes, name: str | None = None) -> Path:
    """Deliver into a Maildir's new/ the way an MDA does (tmp/ then rename)."""
    for sub in ("tmp", "new", "cur"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    name = name or f"{time.time_ns()}.{os.getpid()}.test"
    (maildir / "tmp" / name).write_bytes(raw)
    os.rename(maildir / "tmp" / name, maildir / "new" / name)
    return maildir / "new" / name


def outbox_messages(outbox: Path) -> list[email.message.EmailMessage]:
    files = sorted((outbox / "new").glob("*")) + sorted((outbox / "cur").glob("*"))
    return [email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in files]


def wait_until(predicate, timeout: float = 20.0) -> bool:
    import servers
    return servers._wait_for(predicate, timeout, interval=0.05)


def make_mail(subject="Glemt passord", sender="anna@contoso.no", body="Jeg har glemt passordet mitt.\n",
              message_id=None, headers: dict | None = None) -> bytes:
    import servers
    return servers.make_message(subject=subject, sender=sender, to=DESK, body=body,
                                message_id=message_id, extra_headers=headers)


class RecordingClassifier:
    """Stands in for the rules: always sspr/reply, and remembers what it was asked."""

    def __init__(self, action="reply", scenario="sspr"):
        self.action, self.scenario = action, scenario
        self.calls: list[tuple[str, str | None]] = []

    def classify(self, mail, previous_scenario=None):
        self.calls.append((mail.key, previous_scenario))
        return Decision(self.scenario, self.action, "nb", facts={"fake": True},
                        rules=[FiredRule("fake", "A test classifier.")], path=["start", self.scenario],
                        previous_scenario=previous_scenario)


# -------------------------------------------------------------------- tests


def test_samples_end_to_end_and_second_run_sends_nothing(tmp_path):
    assert SAMPLES, "data/samples/*.eml is empty"
    config_path = write_config(tmp_path, escalation={"address": "human@resetdesk.example"})
    inbox = tmp_path / "var" / "maildir"
    originals = {}
    for sample in SAMPLES:
        drop(inbox, sample.read_bytes(), sample.name)
        parsed = email.message_from_bytes(sample.read_bytes(), policy=email.policy.default)
        originals[parsed["Message-ID"]] = parsed

    first = run_desk(config_path)
    assert first.returncode == 0, first.stderr
    messages = outbox_messages(tmp_path / "var" / "outbox")
    replies = [m for m in messages if m["To"].addresses[0].addr_spec != "human@resetdesk.example"]
    assert replies, first.stderr
    for reply in replies:
        original = originals[reply["In-Reply-To"]]
        assert reply["To"].addresses[0].addr_spec == original["From"].addresses[0].addr_spec.lower()
        if original["Reply-To"]:
            assert original["Reply-To"].addresses[0].addr_spec not in str(reply["To"])
        assert reply["References"].split()[-1] == original["Message-ID"]
        assert reply["Auto-Submitted"] == "auto-replied"
        assert reply["X-Resetdesk-Loop"] == DESK
        assert reply["From"] == DESK
        assert reply["Subject"].startswith("Re: ")
    # Every message left the inbox for a role's folder.
    assert list((inbox / "new").iterdir()) == [] and list((inbox / "cur").iterdir()) == []
    moved = [f for role in ("answered", "ignored", "needs-human")
             for f in (inbox / f".resetdesk.{role}" / "cur").iterdir()]
    assert len(moved) == len(SAMPLES)
    assert len(first.stderr.strip().splitlines()) >= len(SAMPLES)   # one line per message, then the sends

    second = run_desk(config_path)
    assert second.returncode == 0, second.stderr
    assert len(outbox_messages(tmp_path / "var" / "outbox")) == len(messages)
    assert "sent" not in second.stderr


def test_known_message_is_only_moved_never_decided_again(tmp_path):
    config = config_module.load(write_config(tmp_path))
    classifier = RecordingClassifier()
    desk = Desk(config, classifier=classifier)
    raw = make_mail(message_id="<same@contoso.no>")
    drop(desk.source.root, raw)
    desk.run(once=True)
    drop(desk.source.root, raw)          # a second copy, as a re-delivery or a failed move leaves it
    desk.run(once=True)
    assert len(classifier.calls) == 1
    assert desk.store.db["outbox"].count == 1
    assert len(list((desk.source.folders["answered"] / "cur").iterdir())) == 2
    desk.close()


def test_follow_up_in_a_thread_passes_the_previous_scenario(tmp_path):
    config = config_module.load(write_config(tmp_path))
    classifier = RecordingClassifier(scenario="sspr")
    desk = Desk(config, classifier=classifier)
    drop(desk.source.root, make_mail(message_id="<first@contoso.no>"))
    desk.run(once=True)
    ours = desk.store.outbox_rows()[0].message_id
    drop(desk.source.root, make_mail(subject="Re: Glemt passord", message_id="<second@contoso.no>",
                                     body="Det virket ikke.\n",
                                     headers={"In-Reply-To": f"<{ours}>",
                                              "References": f"<first@contoso.no> <{ours}>"}))
    drop(desk.source.root, make_mail(subject="Nytt spørsmål", message_id="<third@contoso.no>",
                                     sender="ola@contoso.no"))
    desk.run(once=True)
    assert classifier.calls == [("mid:first@contoso.no", None), ("mid:second@contoso.no", "sspr"),
                                ("mid:third@contoso.no", None)]
    assert desk.store.decision("mid:second@contoso.no")["previous_scenario"] == "sspr"
    desk.close()


def test_follow_up_with_the_real_rules_walks_the_fallback_edge(tmp_path):
    config = config_module.load(write_config(tmp_path))
    desk = Desk(config)
    drop(desk.source.root, make_mail(message_id="<real-first@contoso.no>"))
    desk.run(once=True)
    first = desk.store.decision("mid:real-first@contoso.no")
    ours = desk.store.outbox_rows()[0].message_id
    drop(desk.source.root, make_mail(subject="Re: Glemt passord", message_id="<real-second@contoso.no>",
                                     body="Takk, men det virket ikke. Jeg får fortsatt ikke logget inn.\n",
                                     headers={"In-Reply-To": f"<{ours}>"}))
    desk.run(once=True)
    second = desk.store.decision("mid:real-second@contoso.no")
    assert second["previous_scenario"] == first["scenario"]
    assert "thread-follow-up" in [rule["name"] for rule in json.loads(second["rules"])]
    desk.close()


def test_held_reply_is_recorded_and_the_message_goes_to_a_person(tmp_path):
    config = config_module.load(write_config(tmp_path))
    desk = Desk(config, classifier=RecordingClassifier())
    drop(desk.source.root, make_mail(message_id="<h1@contoso.no>"))
    drop(desk.source.root, make_mail(message_id="<h2@contoso.no>", subject="Glemt passord igjen"))
    desk.run(once=True)
    rows = desk.store.outbox_rows()
    assert [r.status for r in rows] == ["sent", "held"]
    assert "same guidance" in rows[1].last_error
    assert desk.store.message("mid:h2@contoso.no")["role"] == "needs_human"
    assert [r["event"] for r in desk.store.audit_rows(sender="anna@contoso.no") if r["event"] == "reply_held"]
    assert len(list((desk.source.folders["needs_human"] / "cur").iterdir())) == 1
    assert len(outbox_messages(tmp_path / "var" / "outbox")) == 1
    desk.close()


def test_machine_mail_and_own_mail_are_ignored(tmp_path):
    config = config_module.load(write_config(tmp_path))
    desk = Desk(config, classifier=RecordingClassifier())
    drop(desk.source.root, make_mail(sender="MAILER-DAEMON@mx.contoso.no", message_id="<m1@x>"))
    drop(desk.source.root, make_mail(sender=DESK, message_id="<m2@x>"))
    desk.run(once=True)
    assert desk.store.db["outbox"].count == 0
    assert {r["detail"]["reason"] for r in desk.store.audit_rows() if r["event"] == "reply_suppressed"} == {
        "mailer-daemon@mx.contoso.no is a machine's address", "the sender is the desk itself"}
    assert len(list((desk.source.folders["ignored"] / "cur").iterdir())) == 2
    desk.close()


def test_escalation_without_an_address_only_parks_for_a_person(tmp_path):
    config = config_module.load(write_config(tmp_path))
    desk = Desk(config, classifier=RecordingClassifier(action="escalate", scenario="support"))
    drop(desk.source.root, make_mail(message_id="<esc@contoso.no>"))
    desk.run(once=True)
    assert [r.kind for r in desk.store.outbox_rows()] == ["reply"]     # the drafted acknowledgement only
    assert desk.store.message("mid:esc@contoso.no")["role"] == "needs_human"
    desk.close()


def test_approval_requested_replies_and_waits_for_a_person(tmp_path):
    config = config_module.load(write_config(tmp_path))
    desk = Desk(config, classifier=RecordingClassifier(action="approval_requested", scenario="admin_reset"))
    drop(desk.source.root, make_mail(message_id="<appr@contoso.no>"))
    desk.run(once=True)
    assert [(r.kind, r.status) for r in desk.store.outbox_rows()] == [("reply", "sent")]
    assert desk.store.message("mid:appr@contoso.no")["role"] == "needs_human"
    assert "approval_pending" in [r["event"] for r in desk.store.audit_rows()]
    desk.close()


def test_json_log_lines(tmp_path):
    config_path = write_config(tmp_path)
    drop(tmp_path / "var" / "maildir", make_mail(message_id="<json@contoso.no>"))
    result = run_desk(config_path, "--log-format", "json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    decided = [line for line in lines if line.get("event") == "message"]
    assert len(decided) == 1 and decided[0]["key"] == "mid:json@contoso.no"
    assert decided[0]["logger"] == "resetdesk" and decided[0]["action"]


def test_service_answers_new_mail_and_stops_on_sigterm(tmp_path):
    config_path = write_config(tmp_path)
    inbox, outbox = tmp_path / "var" / "maildir", tmp_path / "var" / "outbox"
    process = start_desk(config_path)
    try:
        assert wait_until(lambda: (inbox / "new").is_dir(), 30), "the service did not create its Maildir"
        drop(inbox, make_mail(message_id="<live@contoso.no>"))
        assert wait_until(lambda: len(outbox_messages(outbox)) == 1, 30)

        # A second `run` on the same store is refused while this one runs.
        refused = run_desk(config_path)
        assert refused.returncode == 75 and "another resetdesk run" in refused.stderr

        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


def test_example_config_documents_every_key_and_loads():
    text = EXAMPLE.read_text()
    loaded = config_module.load(EXAMPLE)            # parses, validates, no unknown key
    parsed = tomllib.loads(text)
    for table, settings in SCHEMA.items():
        assert f"[{table}]" in text, f"[{table}] is missing from {EXAMPLE.name}"
        for key in settings:
            # present, set or commented out as "# key = ..."
            assert (key in parsed.get(table, {})) or f"# {key} = " in text or f"#{key} = " in text, \
                f"{table}.{key} is not documented in {EXAMPLE.name}"
    assert loaded.maildir.path


def test_maildir_source_creates_role_folders(tmp_path):
    config = config_module.load(write_config(tmp_path))
    source = MaildirSource(config)
    for role, folder in source.folders.items():
        assert (folder / "cur").is_dir(), role
    assert source.folders["needs_human"].name == ".resetdesk.needs-human"
    assert source.wait(0.05) is False
    drop(source.root, make_mail())
    assert source.wait(2) is True
    [raw] = list(source.fetch_new())
    source.move(raw, "answered")
    source.move(raw, "answered")     # already gone: fine
    assert list(source.fetch_new()) == []


def test_machine_mail_without_a_usable_address_is_ignored_not_parked(tmp_path):
    config = config_module.load(write_config(tmp_path))
    desk = Desk(config, classifier=RecordingClassifier(action="ignore", scenario="auto_reply"))
    drop(desk.source.root, make_mail(sender="Mail Delivery System", message_id="<ign@x>"))
    desk.run(once=True)
    assert desk.store.message("mid:ign@x")["status"] == "done"
    assert desk.store.message("mid:ign@x")["role"] == "ignored"
    assert desk.store.db["outbox"].count == 0
    desk.close()


class FailingFor(RecordingClassifier):
    """Classifies like RecordingClassifier, except that it raises for one message key."""

    def __init__(self, key: str):
        super().__init__()
        self.key = key

    def classify(self, mail, previous_scenario=None):
        if mail.key == self.key:
            raise RuntimeError("the rules broke on this one")
        return super().classify(mail, previous_scenario)


def test_a_message_failing_to_decide_is_parked_alone_and_its_batch_goes_on(tmp_path):
    config = config_module.load(write_config(tmp_path))
    desk = Desk(config, classifier=FailingFor("mid:bad@contoso.no"))
    for n, name in enumerate(("good1", "bad", "good2")):
        drop(desk.source.root, make_mail(sender=f"{name}@contoso.no", message_id=f"<{name}@contoso.no>"),
             f"{n}.test")
    desk.run(once=True)
    assert desk.store.message("mid:bad@contoso.no")["status"] == "parked"
    assert "the rules broke" in desk.store.message("mid:bad@contoso.no")["error"]
    assert desk.store.decision("mid:bad@contoso.no") is None
    assert [(r.recipient, r.status) for r in desk.store.outbox_rows()] == [("good1@contoso.no", "sent"),
                                                                          ("good2@contoso.no", "sent")]
    assert len(list((desk.source.folders["answered"] / "cur").iterdir())) == 2
    assert len(list((desk.source.folders["needs_human"] / "cur").iterdir())) == 1
    desk.close()


def test_a_refused_batch_move_falls_back_to_one_message_at_a_time(tmp_path, monkeypatch, caplog):
    from resetdesk.errors import IntakeError

    config = config_module.load(write_config(tmp_path))
    desk = Desk(config, classifier=RecordingClassifier())
    for n in range(3):
        drop(desk.source.root, make_mail(sender=f"p{n}@contoso.no", message_id=f"<f{n}@contoso.no>"), f"{n}.test")
    sets = []

    def refuse(messages, role):
        sets.append(len(messages))
        raise IntakeError("the server refused the set")

    monkeypatch.setattr(desk.source, "move_many", refuse)
    real_move = desk.source.move
    monkeypatch.setattr(desk.source, "move", lambda message, role: (
        (_ for _ in ()).throw(IntakeError("not this one")) if message.uid == "1.test" else real_move(message, role)))
    desk.run(once=True)
    assert sets == [3]
    assert sorted(p.name for p in (desk.source.folders["answered"] / "cur").iterdir()) == ["0.test:2,S", "2.test:2,S"]
    assert {k: desk.store.message(k)["status"] for k in ("mid:f0@contoso.no", "mid:f1@contoso.no",
                                                         "mid:f2@contoso.no")} == {
        "mid:f0@contoso.no": "done", "mid:f1@contoso.no": "decided", "mid:f2@contoso.no": "done"}
    assert "could not move mid:f1@contoso.no" in caplog.text
    desk.close()


def test_stop_finishes_the_message_in_hand_and_leaves_the_rest(tmp_path):
    config = config_module.load(write_config(tmp_path))
    desk = Desk(config, classifier=RecordingClassifier())
    stops_after = 2

    class StopAfter(RecordingClassifier):
        def classify(self, mail, previous_scenario=None):
            decision = super().classify(mail, previous_scenario)
            if len(self.calls) == stops_after:
                desk.stop()                        # as the SIGTERM handler does, mid-batch
            return decision

    desk.classifier = classifier = StopAfter()
    for number in range(5):
        drop(desk.source.root, make_mail(sender=f"user{number}@contoso.no", message_id=f"<m{number}@contoso.no>"),
             name=f"m{number}")
    desk.run(once=True)
    assert len(classifier.calls) == stops_after
    assert desk.store.db["decisions"].count == stops_after
    assert len(list((desk.source.folders["answered"] / "cur").iterdir())) == stops_after
    assert len(list((desk.source.root / "new").iterdir())) == 5 - stops_after   # left for the next run
    desk.close()

    again = Desk(config, classifier=RecordingClassifier())
    again.run(once=True)
    assert again.store.db["decisions"].count == 5
    again.close()
