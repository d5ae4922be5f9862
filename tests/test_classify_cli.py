"""`resetdesk classify`: human and JSON output, errors per file, exit status."""

import json

from click.testing import CliRunner

from resetdesk.cli import cli


def write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_json_has_the_contract_fields_and_errors_do_not_stop_the_run(tmp_path):
    good = write(tmp_path, "a.eml", b"From: Ola <ola@contoso.no>\nSubject: Hjelp\n\nJeg har glemt passordet mitt.\n")
    bad = write(tmp_path, "b.eml", b"\x00\x01garbage")
    result = CliRunner().invoke(cli, ["classify", "--json", str(good), str(bad), str(tmp_path / "missing.eml")])
    assert result.exit_code == 0, result.output
    # stdout alone: a warning on stderr must not break the JSON lines.
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 3
    first = rows[0]
    for key in ("file", "scenario", "action", "language", "facts", "rules", "reply"):
        assert key in first
    assert (first["scenario"], first["action"], first["language"]) == ("sspr", "reply", "nb")
    assert first["reply"]["subject"] == "Re: Hjelp" and "passwordreset.microsoftonline.com" in first["reply"]["text"]
    assert "cannot parse" in rows[1]["error"] and "cannot read" in rows[2]["error"]


def test_human_output_explains(tmp_path):
    write(tmp_path, "a.eml",
          b"From: a@b.example\nSubject: x\n\nI forgot my user name, which email do I sign in with?\n")
    result = CliRunner().invoke(cli, ["classify", str(tmp_path)])
    assert result.exit_code == 0
    assert "scenario  forgot_username" in result.output
    assert "unknown-user-name" in result.output and "does not know their user name" in result.output


def test_policy_from_config_authorises_requests(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[policy]\ntrusted_authserv_ids = ["mx.desk.example"]\nrequesters = ["kari@contoso.no"]\n')
    mail = write(tmp_path, "r.eml", b"Authentication-Results: mx.desk.example; dmarc=pass header.from=contoso.no\n"
                 b"From: kari@contoso.no\nSubject: reset\n\nPlease reset the password for ola@contoso.no.\n")
    without = json.loads(CliRunner().invoke(cli, ["classify", "--json", str(mail)]).output)
    with_policy = json.loads(CliRunner().invoke(cli, ["classify", "--json", "--config", str(cfg), str(mail)]).output)
    assert without["action"] == "reply"
    assert with_policy["action"] == "approval_requested"
    assert with_policy["facts"]["targets"] == ["ola@contoso.no"]


def test_unusable_config_is_exit_2_naming_the_key(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[policy]\nrequestors = []\n")
    result = CliRunner().invoke(cli, ["classify", "--config", str(cfg), str(cfg)])
    assert result.exit_code == 2
    assert "policy.requestors: unknown key" in result.output
