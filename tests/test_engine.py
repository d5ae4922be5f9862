"""The durable-rules walk: paths through the graph, actions, follow-ups, and the safe way of using it."""

import threading

import pytest

from resetdesk import config
from resetdesk.responders.render import Renderer
from resetdesk.rules.engine import Classifier, Knowledge, RuleEngine, _engine_for


@pytest.fixture(scope="module")
def engine():
    return _engine_for(Knowledge.load().graph)


def decide(engine, previous=None, **facts):
    return engine.decide(facts, previous)


@pytest.mark.parametrize("facts, scenario, action", [
    ({}, "out_of_scope", "escalate"),
    ({"machine_mail": True, "password_lost": True}, "auto_reply", "ignore"),
    ({"password_lost": True}, "sspr", "reply"),
    ({"password_lost": True, "signed_in": True}, "security_info", "reply"),
    ({"password_lost": True, "sspr_failed": True}, "admin_reset", "reply"),
    ({"password_lost": True, "sspr_failed": True, "signed_in": True}, "security_info", "reply"),
    ({"password_lost": True, "only_admin": True, "no_other_admin": True, "signed_in": True,
      "signed_in_admin_center": True}, "new_admin_account", "reply"),
    ({"password_lost": True, "only_admin": True, "no_other_admin": True, "sspr_failed": True}, "support", "escalate"),
    ({"password_lost": True, "no_other_admin": True, "sspr_failed": True}, "support", "escalate"),
    ({"sspr_failed": True, "recovery_topic": True}, "admin_reset", "reply"),
    ({"password_lost": True, "beyond_reset": True}, "support", "escalate"),
    ({"resolved": True, "recovery_topic": True}, "out_of_scope", "escalate"),
    ({"resolved": True, "password_lost": True}, "sspr", "reply"),
    ({"forgot_username": True, "password_lost": True}, "forgot_username", "reply"),
    ({"reset_request": True}, "admin_reset", "reply"),
    ({"reset_request": True, "requester_listed": True}, "admin_reset", "reply"),
    ({"reset_request": True, "sender_verified": True}, "admin_reset", "reply"),
    ({"reset_request": True, "requester_listed": True, "sender_verified": True}, "admin_reset", "approval_requested"),
    ({"phishing_lure": True, "recovery_topic": True}, "out_of_scope", "escalate"),
    ({"recovery_topic": True}, "support", "escalate"),
])
def test_walks(engine, facts, scenario, action):
    got_scenario, got_action, fired, path = decide(engine, **facts)
    assert (got_scenario, got_action) == (scenario, action), fired
    assert path[0] == "start" and path[-1] == scenario


def test_follow_up_moves_one_fallback_from_the_previous_scenario(engine):
    scenario, _, fired, path = decide(engine, previous="sspr", followup=True, followup_failed=True)
    assert scenario == "admin_reset"
    assert fired[:2] == ["thread-follow-up", "sspr-guidance-failed"]
    assert path == ["start", "sspr", "admin_reset"]
    scenario, _, fired, _ = decide(engine, previous="admin_reset", followup=True, followup_failed=True)
    assert scenario == "support"


def test_follow_up_without_new_failure_stays(engine):
    assert decide(engine, previous="forgot_username", followup=True)[0] == "forgot_username"


def test_sessions_are_deleted_after_each_decision(engine):
    for _ in range(1100):   # over durable-rules' 1,024 live-session cap
        decide(engine, password_lost=True)
    assert engine._trace == {}


def test_engine_refuses_a_second_thread(engine):
    errors = []

    def other():
        try:
            decide(engine, password_lost=True)
        except RuntimeError as error:
            errors.append(error)

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert errors and "only from the thread that built it" in str(errors[0])


def test_one_ruleset_per_graph_per_process():
    graph = Knowledge.load().graph
    assert _engine_for(graph) is _engine_for(Knowledge.load().graph)
    assert isinstance(_engine_for(graph), RuleEngine)


def test_classifier_records_facts_rules_and_descriptions():
    from resetdesk.intake.parse import parse_message

    classifier = Classifier(config.load())
    mail = parse_message(
        b"From: a@contoso.no\nSubject: x\n\nI forgot my password but I'm still logged in on my laptop.\n")
    decision = classifier.classify(mail)
    assert decision.scenario == "security_info"
    assert [r.name for r in decision.rules][:2] == ["own-password-lost", "still-signed-in"]
    assert all(r.description for r in decision.rules)
    assert decision.facts["signed_in"] is True and decision.facts["evidence"]["signed_in"]
    assert "machine-mail" in [r.name for r in decision.missed]
    reply = Renderer(classifier.knowledge.graph).draft(decision, mail)
    assert reply.subject == "Re: x"
    assert "https://mysignins.microsoft.com/security-info" in reply.text
    assert "<ol>" in reply.html
