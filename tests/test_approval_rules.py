"""The pure parts of the approval flow: codes, commands in mail, preflight screening, Exchange Online verification."""

from __future__ import annotations

import pytest
import servers

from resetdesk import codes
from resetdesk import config as config_module
from resetdesk.errors import ConfigError
from resetdesk.intake.parse import parse_message
from resetdesk.rules.commands import find_commands, looks_like_command, redact
from resetdesk.rules.exchange import verify_exchange_online
from resetdesk.rules.facts import verify
from resetdesk.rules.preflight import RoleFacts, eligible_approvers, screen_account, screen_targets

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


# ------------------------------------------------------------------ codes


def test_codes_are_long_random_and_free_of_look_alikes():
    drawn = {codes.new_code() for _ in range(2000)}
    assert len(drawn) == 2000
    assert all(len(code) >= 8 for code in drawn)
    assert not set("".join(drawn)) & set("01OIL")
    assert set("".join(drawn)) <= set(codes.CODE_ALPHABET)


def test_a_code_is_stored_only_as_a_salted_hash():
    code = codes.new_code()
    stored, again = codes.hash_code(code), codes.hash_code(code)
    assert code not in stored and stored != again               # salted
    assert codes.code_matches(code, stored) and codes.code_matches(code.lower(), stored)
    assert not codes.code_matches(codes.new_code(), stored)
    assert not codes.code_matches(code, "sha256$x$y") and not codes.code_matches(code, "garbage")


@pytest.mark.parametrize("length", [8, 12, 16, 64, 256])
def test_passwords_follow_entras_rules_every_time(length):
    for _ in range(300):
        password = codes.new_password(length)
        assert len(password) == length and servers._complex_enough(password)
        assert all(pool & set(password) for pool in (set(codes._LOWER), set(codes._UPPER), set(codes._DIGITS),
                                                       set(codes._SYMBOLS)))


# ------------------------------------------------------------------ commands


LINE = "APPROVE R-7KQ2MX KQ7M2XP9ZT"


@pytest.mark.parametrize("subject, text, expected", [
    (LINE, "", [("approve", "R-7KQ2MX", "KQ7M2XP9ZT")]),
    ("Re: SV: " + LINE, "", [("approve", "R-7KQ2MX", "KQ7M2XP9ZT")]),
    ("Re: Approval needed", LINE + "\n\nThanks", [("approve", "R-7KQ2MX", "KQ7M2XP9ZT")]),
    ("x", "deny r-7kq2mx kq7m2xp9zt she is on leave", [("deny", "R-7KQ2MX", "kq7m2xp9zt")]),
    (LINE, LINE, [("approve", "R-7KQ2MX", "KQ7M2XP9ZT")]),                    # subject and body: one
    ("x", f"Fine by me.\n\nOn Tue, Nov 24, 2026, Desk wrote:\n> {LINE}\n", []),
    ("x", f"> {LINE}", []),
    ("x", f"I think {LINE} is what you want", []),                            # inside a sentence
    ("x", f"{LINE}\nDENY R-7KQ2MX KQ7M2XP9ZT", []),                           # both: nothing
    ("x", f"{LINE}\nAPPROVE R-7KQ2MX ZZZZZZZZZZ", []),                        # two codes: nothing
    ("x", "APPROVE R-7KQ2MX SHORT", []),
    ("x", "---------- Forwarded message ----------\nFrom: cto\n\n" + LINE, []),   # forwarded is not new text
])
def test_commands_count_in_the_subject_or_new_text_only(subject, text, expected):
    assert [(c.verb, c.request_id, c.code) for c in find_commands(subject, text)] == expected


def test_conflicting_lines_still_look_like_a_command():
    assert looks_like_command("x", f"{LINE}\nDENY R-7KQ2MX KQ7M2XP9ZT")
    assert not looks_like_command("Password reset", "Please reset the password for anna@contoso.no")


def test_a_denial_keeps_its_reason():
    [command] = find_commands("x", "DENY R-7KQ2MX KQ7M2XP9ZT: not before I have called her")
    assert command.verb == "deny" and command.reason.endswith("not before I have called her")


def test_redact_keeps_the_line_without_its_code():
    assert redact("Re: " + LINE) == "Re: APPROVE R-7KQ2MX [code]"
    assert redact("Password reset") == "Password reset"


# ------------------------------------------------------------------ preflight


def test_screen_targets_refuses_at_once_what_needs_no_lookup():
    screen = screen_targets(["anna@x.no", "lead@x.no", "break@x.no", "bob@x.no", "carl@x.no"], "lead@x.no",
                            ["break@x.no"], requester_count=8, target_counts={"bob@x.no": 3},
                            max_per_requester=10, max_per_target=3)
    assert screen.accepted == ["anna@x.no", "carl@x.no"]
    assert [(t, r.reason) for t, r in screen.refused] == [("lead@x.no", "own_account"), ("break@x.no", "protected"),
                                                          ("bob@x.no", "target_limit")]
    over = screen_targets(["a@x.no", "b@x.no"], "lead@x.no", [], requester_count=9, target_counts={},
                          max_per_requester=10, max_per_target=3)
    assert over.accepted == ["a@x.no"] and over.refused[0][1].reason == "requester_limit"
    assert screen_targets([], "lead@x.no", [], 0, {}, 10, 3).refused[0][1].reason == "no_target"


USER = {"id": "u-1", "userPrincipalName": "anna@x.no", "mail": "anna@x.no", "accountEnabled": True,
        "onPremisesSyncEnabled": None, "userType": "Member"}


@pytest.mark.parametrize("change, roles, reason", [
    ({}, RoleFacts(), None),
    ({}, RoleFacts(direct=("62e90394",)), "privileged"),
    ({}, RoleFacts(eligible=("62e90394",)), "privileged"),
    ({}, RoleFacts(role_groups=("Tier 0",)), "privileged"),
    ({"accountEnabled": False}, RoleFacts(), "disabled"),
    ({"onPremisesSyncEnabled": True}, RoleFacts(), "synced"),
    ({"userType": "Guest"}, RoleFacts(), "guest"),
    ({"id": "u-lead"}, RoleFacts(), "own_account"),
    ({"proxyAddresses": ["smtp:break@x.no"]}, RoleFacts(), "protected"),
])
def test_screen_account(change, roles, reason):
    refusal = screen_account({**USER, **change}, roles, "u-lead", ["break@x.no"], 0, 3)
    assert (refusal.reason if refusal else None) == reason


def test_eligible_approvers_never_the_requester_or_the_account():
    assert eligible_approvers(["CTO@x.no", "lead@x.no", "anna@x.no", "cto@x.no", "ciso@x.no"], "lead@x.no",
                              ["anna@x.no"]) == ["cto@x.no", "ciso@x.no"]


# ------------------------------------------------------------------ Exchange Online


def exo(**overrides) -> dict[str, str]:
    headers = {"X-MS-Exchange-Organization-AuthAs": "Internal",
               "X-MS-Exchange-Organization-MessageDirectionality": "Originating",
               "X-MS-Exchange-CrossTenant-Id": TENANT,
               "X-MS-Exchange-CrossTenant-FromEntityHeader": "Hosted",
               "Authentication-Results": "spf=pass smtp.mailfrom=contoso.no; dkim=none; dmarc=none action=none "
                                         "header.from=contoso.no;"}
    headers.update(overrides)
    return {k: v for k, v in headers.items() if v is not None}


def mail(headers: dict[str, str], sender="lead@contoso.no", raw_extra: bytes = b""):
    raw = servers.make_message(sender=sender, extra_headers=headers)
    if raw_extra:
        raw = raw_extra + raw
    return parse_message(raw)


@pytest.mark.parametrize("headers, allow_hybrid, verified, why", [
    (exo(), False, True, "exchange-online"),
    (exo(**{"X-MS-Exchange-Organization-AuthAs": "Anonymous"}), False, False, "authas"),
    (exo(**{"X-MS-Exchange-Organization-AuthAs": None}), False, False, "0 x-ms-exchange-organization-authas"),
    (exo(**{"X-MS-Exchange-Organization-MessageDirectionality": "Incoming"}), False, False, "directionality"),
    (exo(**{"X-MS-Exchange-CrossTenant-Id": "00000000-0000-0000-0000-000000000000"}), False, False, "crosstenant-id"),
    (exo(**{"X-MS-Exchange-CrossTenant-FromEntityHeader": "HybridOnPrem"}), False, False, "fromentityheader"),
    (exo(**{"X-MS-Exchange-CrossTenant-FromEntityHeader": "HybridOnPrem"}), True, True, "exchange-online"),
    (exo(**{"X-MS-Exchange-CrossTenant-FromEntityHeader": "Internet"}), True, False, "fromentityheader"),
    (exo(**{"Authentication-Results": "spf=fail; dmarc=fail header.from=contoso.no; compauth=fail reason=000"}),
     False, False, "compauth=fail"),
    (exo(Sender="mallory@contoso.no"), False, False, "Sender"),
    (exo(Sender="lead@contoso.no"), False, True, "exchange-online"),
])
def test_exchange_online_verification(headers, allow_hybrid, verified, why):
    ok, reason = verify_exchange_online(mail(headers), TENANT, allow_hybrid)
    assert ok is verified and why.lower() in reason.lower()


def test_exchange_online_wants_exactly_one_of_each_header():
    # A sender who adds their own copy makes the mail unverifiable, whatever the position.
    duplicate = b"X-MS-Exchange-Organization-AuthAs: Internal\r\n"
    ok, reason = verify_exchange_online(mail(exo(), raw_extra=duplicate), TENANT)
    assert not ok and "2 x-ms-exchange-organization-authas" in reason.lower()


def test_verification_is_chosen_by_the_policy():
    gateway = config_module.from_dict({"policy": {"trusted_authserv_ids": ["mx.contoso.no"]},
                                       "oauth": {"tenant_id": TENANT}})
    online = config_module.from_dict({"policy": {"verification": "exchange-online"}, "oauth": {"tenant_id": TENANT}})
    internal = mail(exo())
    assert verify(internal, online)[0] and not verify(internal, gateway)[0]
    gated = mail({"Authentication-Results": "mx.contoso.no; dmarc=pass header.from=contoso.no"})
    assert verify(gated, gateway)[0] and not verify(gated, online)[0]


# ------------------------------------------------------------------ config


@pytest.mark.parametrize("text, message", [
    ({"approval": {"required": 3}}, "approval.required: 3 is not one of 1, 2"),
    ({"approval": {"password_length": 6}}, "approval.password_length: 6 is below the minimum 8"),
    ({"approval": {"method": "sms"}}, "approval.method: 'sms' is not one of tap, password"),
    ({"policy": {"verification": "dkim"}}, "policy.verification"),
    ({"approval": {"tap_lifetime_minutes": 5}}, "tap_lifetime_minutes: 5 is below the minimum 10"),
])
def test_approval_settings_are_checked(text, message):
    with pytest.raises(ConfigError, match=message.replace(".", r"\.").replace("(", r"\(")):
        config_module.from_dict(text)


def test_approval_defaults():
    approval = config_module.from_dict({}).approval
    assert (approval.ttl_minutes, approval.max_wrong_codes, approval.required, approval.method,
            approval.tap_lifetime_minutes, approval.password_length, approval.revoke_sessions,
            approval.max_per_requester_per_day, approval.max_per_target_per_day) == (
                30, 3, 1, "tap", 60, 16, True, 10, 3)
