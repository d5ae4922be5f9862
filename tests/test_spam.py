"""Spam is not a person's job: the receiving server's verdict sets a mail aside, recorded, never forwarded."""

from __future__ import annotations

import json

import pytest

from resetdesk import config as config_module
from resetdesk.intake.parse import parse_message
from resetdesk.responders.render import Renderer
from resetdesk.rules.engine import Classifier
from resetdesk.service import Desk
from test_service_maildir import drop, make_mail, outbox_messages, write_config

PLEA = "Hei, jeg har glemt passordet mitt og kommer ikke inn. Kan dere hjelpe?\r\n"
DEFAULTS = config_module.from_dict({"policy": {"desk_address": "help@contoso.no"}})
WITH_FLAG = config_module.from_dict({"policy": {"desk_address": "help@contoso.no"}, "spam": {
    "verdicts": ["X-MS-Exchange-Organization-SCL >= 5", "X-Spam-Flag = YES"]}})


def mail(headers: str = "", body: str = PLEA):
    return parse_message((f"From: Anna <anna@contoso.no>\r\nTo: help@contoso.no\r\nSubject: Glemt passord\r\n"
                          f"Message-ID: <spam.{abs(hash(headers))}@contoso.no>\r\n{headers}\r\n{body}").encode())


def classify(config, headers):
    return Classifier(config).classify(mail(headers))


@pytest.mark.parametrize("headers", ["X-MS-Exchange-Organization-SCL: 5\r\n", "X-MS-Exchange-Organization-SCL: 9\r\n",
                                     "x-ms-exchange-organization-scl:  6 \r\n"])
def test_an_exchange_spam_verdict_sets_the_mail_aside(headers):
    classifier = Classifier(DEFAULTS)
    decision = classifier.classify(mail(headers))
    assert (decision.scenario, decision.action) == ("out_of_scope", "ignore")
    assert [rule.name for rule in decision.rules][:1] == ["spam-verdict"]
    assert "spam-is-set-aside" in [rule.name for rule in decision.rules]
    assert decision.facts["spam_verdict"] is True
    assert "x-ms-exchange-organization-scl" in decision.facts["evidence"]["spam_verdict"]
    assert Renderer(classifier.knowledge.graph).draft(decision, mail(headers)) is None


@pytest.mark.parametrize("config, headers", [
    (DEFAULTS, ""),
    (DEFAULTS, "X-MS-Exchange-Organization-SCL: 4\r\n"),
    (DEFAULTS, "X-MS-Exchange-Organization-SCL: -1\r\n"),
    (DEFAULTS, "X-MS-Exchange-Organization-SCL: high\r\n"),
    # Two copies: the receiving server did not strip the inbound one; nobody can tell which is its own.
    (DEFAULTS, "X-MS-Exchange-Organization-SCL: 9\r\nX-MS-Exchange-Organization-SCL: -1\r\n"),
    # X-Spam-Flag is anyone's to write unless the policy says the gateway sets (and strips) it.
    (DEFAULTS, "X-Spam-Flag: YES\r\n"),
    (WITH_FLAG, "X-Spam-Flag: NO\r\n"),
])
def test_no_believable_verdict_and_the_person_is_answered(config, headers):
    decision = classify(config, headers)
    assert decision.action == "reply" and decision.scenario == "sspr", decision.rules
    assert decision.facts["spam_verdict"] is False


def test_x_spam_flag_counts_when_the_policy_trusts_the_gateway():
    decision = classify(WITH_FLAG, "X-Spam-Flag: YES\r\n")
    assert decision.action == "ignore" and decision.facts["evidence"]["spam_verdict"].startswith("x-spam-flag: YES")


def test_a_contains_verdict():
    config = config_module.from_dict({"spam": {"verdicts": ["X-Forefront-Antispam-Report contains SFV:SPM"]}})
    assert classify(config, "X-Forefront-Antispam-Report: CIP:1.2.3.4;CTRY:;SCL:5;SFV:SPM;\r\n").action == "ignore"
    assert classify(config, "X-Forefront-Antispam-Report: CIP:1.2.3.4;SFV:NSPM;\r\n").action == "reply"


def test_spam_goes_to_the_ignored_folder_recorded_and_never_forwarded(tmp_path):
    config = config_module.load(write_config(tmp_path, escalation={"address": "human@resetdesk.example"}))
    desk = Desk(config)
    drop(desk.source.root, make_mail(message_id="<spam1@evil.example>", sender="win@evil.example",
                                     subject="You won a prize", body="Claim your prize now, click here.\n",
                                     headers={"X-MS-Exchange-Organization-SCL": "7"}))
    # The same mail without the verdict: out of scope, forwarded to a person (what spam used to cost).
    drop(desk.source.root, make_mail(message_id="<ham1@evil.example>", sender="win@evil.example",
                                     subject="You won a prize", body="Claim your prize now, click here.\n"))
    desk.run(once=True)

    spam = desk.store.message("mid:spam1@evil.example")
    assert (spam["status"], spam["role"]) == ("done", "ignored")
    decision = desk.store.decision("mid:spam1@evil.example")
    assert (decision["scenario"], decision["action"]) == ("out_of_scope", "ignore")
    facts = json.loads(decision["facts"])
    assert facts["spam_verdict"] is True and "7" in facts["evidence"]["spam_verdict"]
    [decided] = [r for r in desk.store.audit_rows() if r["event"] == "decided"
                 and r["message_key"] == "mid:spam1@evil.example"]
    assert "spam-verdict" in decided["detail"]["rules"]
    assert "x-ms-exchange-organization-scl: 7" in decided["detail"]["result"]
    assert [r.message_key for r in desk.store.outbox_rows()] == ["mid:ham1@evil.example"]   # the forward of the other
    assert [m["To"] for m in outbox_messages(tmp_path / "var" / "outbox")] == ["human@resetdesk.example"]
    assert len(list((desk.source.folders["ignored"] / "cur").iterdir())) == 1
    assert len(list((desk.source.folders["needs_human"] / "cur").iterdir())) == 1
    desk.close()
