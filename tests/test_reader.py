"""The learned reader in front of the graph: its artefact, the facts it may and may not set, questions.

Most tests here give the classifier a stand-in reader with fixed
probabilities, so that the safety properties are tested whatever the
trained model says; the shipped model is tested for what it must be
(small, consistent with its training data, a clear error when missing).
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from resetdesk import config as config_module
from resetdesk.errors import KnowledgeError
from resetdesk.intake.parse import parse_message
from resetdesk.rules.engine import Classifier, Knowledge, _engine_for
from resetdesk.data import data_dir as default_data_dir
from resetdesk.responders.render import Renderer
from resetdesk.rules.graph import load_graph
from resetdesk.rules.lexicon import load_lexicon
from resetdesk.rules.reader import MODEL_JSON, MODEL_NPZ, Reading, load_reader

REPO = Path(__file__).resolve().parent.parent
TRUSTED = "mx.desk.example"
REQUESTER = "kari@contoso.no"


@pytest.fixture(scope="module")
def policy():
    return config_module.from_dict({"policy": {"desk_address": "help@desk.example", "trusted_authserv_ids": [TRUSTED],
                                               "requesters": [REQUESTER]}})


class FixedReader:
    """Stands in for the model: the same probabilities for every mail."""

    def __init__(self, **probabilities: float):
        rest = (1.0 - sum(probabilities.values())) / max(1, 8 - len(probabilities))
        names = ("sspr", "security_info", "forgot_username", "admin_reset", "new_admin_account", "support",
                 "auto_reply", "out_of_scope")
        scores = {name: probabilities.get(name, rest) for name in names}
        self.ranked = tuple(sorted(scores.items(), key=lambda item: -item[1]))
        self.facts = sorted(load_lexicon(default_data_dir() / "lexicons").facts)
        self.calls = 0

    def read(self, text, subject, lexicon_facts):
        self.calls += 1
        return Reading(self.ranked)

    def nearest_example(self, reading, scenario):
        return "ex-000000000000", 0.5

    def telling_sentence(self, original, scenario):
        return original.strip().splitlines()[0] if original.strip() else ""


def drafted(decision):
    """The reply the responders would draft for `decision` (None where none is sent)."""
    return Renderer(load_graph()).draft(decision, None)


def classifier_with(policy, reader):
    shipped = Knowledge.load()
    return Classifier(policy, Knowledge(shipped.graph, shipped.lexicon, reader))


def mail(body: str, sender="anna@contoso.no", subject="Hjelp", verified=False, headers="") -> object:
    top = f"Authentication-Results: {TRUSTED}; dmarc=pass header.from={sender.split('@')[1]}\n" if verified else ""
    return parse_message(f"{top}{headers}From: {sender}\nTo: help@desk.example\nSubject: {subject}\n"
                         f"Message-ID: <m{abs(hash(body))}@contoso.no>\n\n{body}\n".encode())


# ------------------------------------------------------------------ the shipped model


def test_shipped_model_is_small_and_names_its_training_data():
    folder = default_data_dir() / "model"
    assert (folder / MODEL_NPZ).stat().st_size < 4 * 1024 * 1024
    meta = json.loads((folder / MODEL_JSON).read_text())
    assert meta["training"]["examples"] >= 300 and len(meta["training"]["sha256"]) == 64
    assert set(meta["training"]["per_scenario"]) == set(load_graph().scenarios)
    assert Knowledge.load().reader.training_digest == meta["training"]["sha256"]


def test_missing_model_is_a_clear_error_naming_the_file_and_the_command(tmp_path):
    with pytest.raises(KnowledgeError) as caught:
        load_reader(tmp_path)
    assert str(tmp_path / MODEL_JSON) in str(caught.value) and "resetdesk train" in str(caught.value)
    cfg = config_module.from_dict({"reader": {"model": str(tmp_path)}})
    with pytest.raises(KnowledgeError, match="resetdesk train"):
        Classifier(cfg)


def test_weights_that_do_not_match_their_metadata_are_refused(tmp_path):
    for name in (MODEL_JSON, MODEL_NPZ):
        shutil.copy(default_data_dir() / "model" / name, tmp_path / name)
    data = bytearray((tmp_path / MODEL_NPZ).read_bytes())
    data[-100] ^= 0xFF
    (tmp_path / MODEL_NPZ).write_bytes(bytes(data))
    with pytest.raises(KnowledgeError, match=r"reader\.npz: does not match reader\.json.*resetdesk train"):
        load_reader(tmp_path)


def test_a_model_trained_on_other_examples_is_refused(tmp_path):
    extra = tmp_path / "mine"
    extra.mkdir()
    (extra / "a.jsonl").write_text(json.dumps({"scenario": "sspr", "language": "en",
                                               "body": "I forgot my password."}) + "\n")
    cfg = config_module.from_dict({"reader": {"examples": str(extra)}})
    with pytest.raises(KnowledgeError, match=r"trained on other examples.*resetdesk train"):
        Knowledge.load(config=cfg)


def test_training_is_reproducible_and_loads(tmp_path, policy):
    from resetdesk.rules.examples import read_examples
    from resetdesk.training import train_reader

    examples = sorted(read_examples([default_data_dir() / "examples" / "train"]), key=lambda e: e.id)
    small = tmp_path / "small.jsonl"
    small.write_text("".join(json.dumps(e.record, ensure_ascii=False) + "\n" for e in examples[::6]), encoding="utf-8")
    first = train_reader(policy, out_dir=tmp_path / "one", sources=[small], c=2.0)
    second = train_reader(policy, out_dir=tmp_path / "two", sources=[small], c=2.0)
    assert (tmp_path / "one" / MODEL_NPZ).read_bytes() == (tmp_path / "two" / MODEL_NPZ).read_bytes()
    assert first == second
    reader = load_reader(tmp_path / "one")
    reading = reader.read("jeg har glemt passordet mitt", "glemt passord", {"password_lost"})
    assert abs(sum(p for _, p in reading.ranked) - 1.0) < 1e-5


# ------------------------------------------------------------------ the walk in Python equals the engine's


def test_the_python_walk_is_the_engines_walk():
    graph = load_graph()
    engine = _engine_for(graph)
    names = sorted(graph.facts)
    rng = random.Random(7)
    for _ in range(400):
        facts = {name for name in names if rng.random() < 0.2}
        previous = rng.choice([None, "sspr", "admin_reset", "security_info", "forgot_username"])
        got = graph.walk(facts, previous)
        scenario, action, fired, _ = engine.decide({name: True for name in facts}, previous)
        assert (got[0], got[1], got[2]) == (scenario, action, fired), (facts, previous)


def test_every_reading_walks_to_its_own_scenario():
    graph = load_graph()
    for name, scenario in graph.scenarios.items():
        assert graph.walk(set(scenario.reader_facts))[0] == name


# ------------------------------------------------------------------ what the reader may decide


def test_a_confident_reading_sets_its_facts_with_evidence(policy):
    classifier = classifier_with(policy, FixedReader(security_info=0.9))
    decision = classifier.classify(mail("Hei, passordet er borte fra hukommelsen. Word er åpent på PC-en nå."))
    assert (decision.scenario, decision.action) == ("security_info", "reply")
    learned = decision.facts["learned"]
    assert learned["scenario"] == "security_info"
    why = learned["facts"]["signed_in"]
    assert why["score"] == 0.9 and why["example"] == "ex-000000000000" and why["sentence"]


def test_a_confident_reading_overrules_a_lexicon_fact_that_leads_elsewhere(policy):
    classifier = classifier_with(policy, FixedReader(out_of_scope=0.9))
    decision = classifier.classify(mail("I forgot my password for the bank's website, BankID."))
    assert decision.scenario == "out_of_scope"
    assert "password_lost" in decision.facts["learned"]["overruled"]


def test_machine_headers_are_not_learned(policy):
    reader = FixedReader(sspr=0.99)
    classifier = classifier_with(policy, reader)
    decision = classifier.classify(mail("I forgot my password.", headers="Auto-Submitted: auto-replied\n"))
    assert (decision.scenario, decision.action) == ("auto_reply", "ignore")
    assert reader.calls == 0


def test_plain_text_out_of_office_is_withheld_and_only_that(policy):
    body = "Jeg er på ferie til 14. juli og leser ikke e-post. Hilsen Anna"
    classifier = classifier_with(policy, FixedReader(auto_reply=0.95))
    decision = classifier.classify(mail(body))
    assert (decision.scenario, decision.action, drafted(decision)) == ("auto_reply", "ignore", None)
    # Not sure it is a machine: never withheld on the reader's word, and a machine is never answered because of it.
    unsure = classifier_with(policy, FixedReader(auto_reply=0.6)).classify(mail(body))
    assert unsure.facts["machine_text"] is False


def test_a_learned_request_alone_never_makes_an_approval(policy):
    classifier = classifier_with(policy, FixedReader(admin_reset=0.99))
    # Out of scope in words (a new account), from an authorised, verified requester.
    decision = classifier.classify(mail("Kan dere opprette en ny konto for ny.ansatt@contoso.no fra mandag?",
                                        sender=REQUESTER, verified=True))
    assert decision.action != "approval_requested"
    assert decision.facts["request_unconfirmed"] is True


def test_an_approval_needs_another_named_account(policy):
    classifier = classifier_with(policy, FixedReader(admin_reset=0.99))
    decision = classifier.classify(mail("Please reset my password, I forgot it.", sender=REQUESTER, verified=True))
    assert (decision.scenario, decision.action) == ("admin_reset", "reply")
    assert decision.facts["no_account_named"] is True
    named = classifier.classify(mail("Please reset the password for marius@contoso.no.", sender=REQUESTER,
                                     verified=True))
    assert named.action == "approval_requested"


@pytest.mark.parametrize("probability, action", [(0.85, "reply"), (0.95, "approval_requested")])
def test_a_request_the_lexicon_missed_needs_the_high_threshold(policy, probability, action):
    body = "Marius (marius@contoso.no) har glemt passordet sitt og kommer ikke inn. Ordne det for han."
    lexicon_only = Classifier(policy, use_reader=False).classify(mail(body, sender=REQUESTER, verified=True))
    assert "reset_request" not in lexicon_only.facts["evidence"]     # the case this test is about
    assert load_graph().reader["approval"] == 0.9
    decision = classifier_with(policy, FixedReader(admin_reset=probability)).classify(
        mail(body, sender=REQUESTER, verified=True))
    assert (decision.scenario, decision.action) == ("admin_reset", action)


def test_sender_verification_is_not_learned(policy):
    classifier = classifier_with(policy, FixedReader(admin_reset=0.99))
    decision = classifier.classify(mail("Please reset the password for marius@contoso.no.", sender=REQUESTER))
    assert decision.action == "reply" and decision.facts["sender_verified"] is False


# ------------------------------------------------------------------ a question when unsure


def test_two_close_candidates_get_the_question_that_separates_them(policy):
    classifier = classifier_with(policy, FixedReader(sspr=0.45, security_info=0.35))
    decision = classifier.classify(mail("Hei, jeg husker ikke passordet. Hva gjør jeg?"))
    assert (decision.scenario, decision.action, decision.language) == ("sspr", "clarify", "nb")
    assert decision.facts["question"]["fact"] == "signed_in"
    assert decision.facts["question"]["candidates"] == ["sspr", "security_info"]
    assert decision.rules[-1].name == "ask:signed_in" and "unsure" in decision.rules[-1].description
    assert load_graph().facts["signed_in"]["question"]["nb"] in drafted(decision).text
    assert drafted(decision).template == "clarify-signed_in.nb"


def test_no_question_without_a_fact_that_separates_the_candidates(policy):
    classifier = classifier_with(policy, FixedReader(sspr=0.45, new_admin_account=0.4))
    decision = classifier.classify(mail("I forgot my password."))
    assert decision.action != "clarify"
    assert load_graph().question_between("sspr", "new_admin_account") is None


def test_never_a_question_in_a_follow_up(policy):
    classifier = classifier_with(policy, FixedReader(sspr=0.45, security_info=0.35))
    decision = classifier.classify(mail("Re: it did not work", subject="Re: Hjelp"), previous_scenario="sspr")
    assert decision.action != "clarify"


@pytest.mark.parametrize("answer, scenario, action", [
    ("Ja, Teams på mobilen virker fortsatt.", "security_info", "reply"),
    ("Nei.", "sspr", "reply"),
    ("Tja, vet ikke helt.", "support", "escalate"),
])
def test_the_answer_continues_the_walk(policy, answer, scenario, action):
    classifier = classifier_with(policy, FixedReader(sspr=0.45, security_info=0.35))
    asked = classifier.classify(mail("Jeg husker ikke passordet."))
    decision = classifier.classify(mail(answer, subject="Re: Hjelp"), previous_scenario=asked.scenario,
                                   question=asked.facts["question"])
    assert (decision.scenario, decision.action) == (scenario, action)
    assert "thread-follow-up" in [rule.name for rule in decision.rules]
    if action == "reply":
        assert "Takk for svaret" in drafted(decision).text


def test_a_vague_password_mail_is_taken_as_microsoft_365(policy):
    classifier = classifier_with(policy, FixedReader(sspr=0.45, out_of_scope=0.3))
    decision = classifier.classify(mail("I forgot my password and cannot sign in."))
    assert (decision.scenario, decision.action) == ("sspr", "reply")


def test_a_password_for_another_system_is_asked_about_and_a_no_is_out_of_scope(policy):
    classifier = classifier_with(policy, FixedReader(out_of_scope=0.45, sspr=0.3))
    asked = classifier.classify(mail("I can't remember the password for the portal."))
    assert asked.action == "clarify" and asked.facts["question"]["fact"] == "other_system"
    assert asked.scenario == "out_of_scope" and drafted(asked) is not None
    no = classifier.classify(mail("No, it is the Visma payroll portal.", subject="Re: Hjelp"),
                             previous_scenario=asked.scenario,
                             question=asked.facts["question"])
    assert (no.scenario, no.action, drafted(no)) == ("out_of_scope", "escalate", None)
    yes = classifier.classify(mail("Yes, my Outlook account.", subject="Re: Hjelp"), previous_scenario=asked.scenario,
                              question=asked.facts["question"])
    assert (yes.scenario, yes.action) == ("sspr", "reply")


def test_a_yes_to_do_you_know_your_user_name_means_it_is_not_forgotten(policy):
    classifier = classifier_with(policy, FixedReader(forgot_username=0.4, sspr=0.35))
    asked = classifier.classify(mail("I can't get in to my account, no idea what to type."))
    assert asked.facts["question"]["fact"] == "forgot_username" and asked.action == "clarify"
    yes = classifier.classify(mail("Yes, it is anna@contoso.no.", subject="Re: Hjelp"),
                              previous_scenario=asked.scenario,
                              question=asked.facts["question"])
    no = classifier.classify(mail("No, I don't.", subject="Re: Hjelp"), previous_scenario=asked.scenario,
                             question=asked.facts["question"])
    assert (yes.scenario, no.scenario) == ("sspr", "forgot_username")


def test_the_service_asks_once_and_the_answer_in_the_thread_decides(tmp_path, monkeypatch):
    from test_service_maildir import drop, make_mail, outbox_messages, write_config

    from resetdesk.service import Desk

    cfg = config_module.load(write_config(tmp_path))
    desk = Desk(cfg, classifier=classifier_with(cfg, FixedReader(sspr=0.45, security_info=0.35)))
    drop(desk.source.root, make_mail(message_id="<q1@contoso.no>", body="Jeg husker ikke passordet.\n"))
    desk.run(once=True)
    first = desk.store.decision("mid:q1@contoso.no")
    assert first["action"] == "clarify"
    ours = desk.store.outbox_rows()[0].message_id
    question = json.loads(first["facts"])["question"]
    assert desk.store.thread_question([ours]) == question
    drop(desk.source.root, make_mail(subject="Re: Glemt passord", message_id="<q2@contoso.no>",
                                     body="Hmm, det vet jeg faktisk ikke.\n",
                                     headers={"In-Reply-To": f"<{ours}>", "References": f"<q1@contoso.no> <{ours}>"}))
    desk.run(once=True)
    second = desk.store.decision("mid:q2@contoso.no")
    assert (second["scenario"], second["action"]) == ("support", "escalate")   # one unclear answer: a person
    replies = outbox_messages(tmp_path / "var" / "outbox")
    assert sum("Før vi viser deg riktig vei" in m.get_body(("plain",)).get_content() for m in replies) == 1
    desk.close()


def test_weak_evidence_the_lexicon_does_not_back_goes_to_a_person(policy):
    assert load_graph().reader["decide"] == 0.3
    classifier = classifier_with(policy, FixedReader(support=0.25, new_admin_account=0.2))
    decision = classifier.classify(mail("I forgot my password."))      # the lexicon alone says sspr
    assert (decision.scenario, decision.action) == ("support", "escalate")
    assert decision.facts["unsettled"] is True and "facts-unsettled" in [r.name for r in decision.rules]
    backed = classifier_with(policy, FixedReader(support=0.25, sspr=0.2)).classify(mail("I forgot my password."))
    assert backed.scenario == "sspr" and backed.facts["learned"]["agrees"] == "sspr"


def test_classify_shows_where_each_fact_came_from(tmp_path):
    from click.testing import CliRunner

    from resetdesk.cli import cli

    path = tmp_path / "a.eml"
    path.write_bytes("From: Ola <ola@contoso.no>\nSubject: Hjelp\n\nJeg har glemt passordet mitt, og Outlook er "
                     "fortsatt åpent på PC-en.\n".encode())
    shown = CliRunner().invoke(cli, ["classify", str(path)])
    assert shown.exit_code == 0, shown.output
    assert "  reader    " in shown.output and ': lexicon "' in shown.output
    record = json.loads(CliRunner().invoke(cli, ["classify", "--json", str(path)]).output)
    assert set(record["facts"]["learned"]["scores"]) <= set(load_graph().scenarios)
    for why in record["facts"]["learned"].get("facts", {}).values():
        assert why["sentence"] and why["example"].startswith("ex-") and 0 < why["score"] <= 1
