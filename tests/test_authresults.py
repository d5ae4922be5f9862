"""Authentication-Results by RFC 8601's grammar: authres, and our linear-time subclass of it."""

from __future__ import annotations

import authres
import authres.dmarc
import pytest

from resetdesk.rules import authresults
from test_spoof import LEGIT, SPOOFS

HEADERS = [
    "mx.contoso.no; dmarc=pass header.from=contoso.no",
    "mx.contoso.no 1; none",
    "mx.contoso.no (gw); spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=contoso.no; dkim=pass header.d=contoso.no "
    "header.s=sel header.b=AbC+/=; dmarc=pass (p=reject (nested)) header.from=contoso.no",
    'mx.contoso.no; spf=pass smtp.mailfrom="x; dmarc=pass header.from=contoso.no ;"@evil.example; dmarc=fail '
    "header.from=contoso.no",
    "mx.contoso.no; auth=pass smtp.auth=kari@contoso.no; dmarc=pass action=none header.from=contoso.no;compauth=pass "
    "reason=100",
    'mx.contoso.no; dmarc=fail reason="not aligned" policy.dmarc=reject header.from=contoso.no',
]


REGISTERED = ("smtp", "header", "body", "policy")


def _results(header) -> list:
    """What a verdict is made of; properties of unregistered types (ours keeps action=none) left out."""
    return [(r.method, r.version, r.result, r.reason,
             [(p.type, p.name, p.value) for p in r.properties if p.type in REGISTERED])
            for r in header.results]


def _all_values() -> list[str]:
    values = list(HEADERS)
    for case in SPOOFS + LEGIT:
        text = case.values[1].decode("utf-8").replace("\r\n\t", " ").replace("\r\n ", " ")
        for line in text.split("\r\n"):
            if line.startswith("Authentication-Results: "):
                values.append(line.split(": ", 1)[1])
    return values


def _stock(value: str, strict: bool):
    context = authres.FeatureContext(authres.dmarc)
    if not strict:
        return context.parse_value(value)
    header = authres.core.AuthenticationResultsHeader(context, strict=True)
    header._parse_text = value.rstrip("\r\n\t ")
    header._parse()
    return header


@pytest.mark.parametrize("value", _all_values())
def test_same_verdicts_as_stock_authres(value):
    try:
        ours = authresults.parse(value)
    except authresults.AuthResultsError:
        # Refused: stock authres either refuses it too or only gets through by skipping a broken part.
        with pytest.raises((authres.AuthResError, RecursionError)):
            _stock(value, strict=True)
        return
    expected = _stock(value, strict=False)
    assert ours.authserv_id == expected.authserv_id
    assert _results(ours) == _results(expected)


def test_strict_where_stock_authres_skips():
    value = "mx.contoso.no; spf=pass smtp.mailfrom=x(; dmarc=fail header.from=contoso.no"
    assert [r.method for r in _stock(value, strict=False).results] == ["spf"]    # the dmarc=fail is gone
    with pytest.raises(authresults.AuthResultsError):
        authresults.parse(value)
    lenient = authresults.parse("mx.contoso.no; dmarc=pass action=none header.from=contoso.no")
    assert [(p.type, p.value) for p in lenient.results[0].properties] == [("action", "none"), ("header", "contoso.no")]


@pytest.mark.parametrize("value, authserv", [
    ("mx.contoso.no; dmarc=pass", "mx.contoso.no"),
    ("  MX.Contoso.NO (gw); none", "mx.contoso.no"),
    ("(gateway) mx.contoso.no; none", "mx.contoso.no"),
    ("(a (nested) comment) mx.contoso.no; none", ""),              # MTAs write their authserv-id first
    ("spf=pass smtp.mailfrom=contoso.no; dmarc=pass", "spf=pass"),   # Exchange Online's: no authserv-id
    ("=?us-ascii?q?mx.contoso.no=3B_dmarc=3Dpass?=", "=?us-ascii?q?mx.contoso.no=3b_dmarc=3dpass?="),
    ("((unparseable", ""),
    ("", ""),
])
def test_authserv_id(value, authserv):
    assert authresults.authserv_id(value) == authserv


@pytest.mark.parametrize("value", [
    "mx.contoso.no; dmarc=pass header.from=contoso.no (" + "(" * 3000 + ")" * 3000 + ")",
    "mx.contoso.no; spf=pass " + "smtp.x=y " * 2000,
    "mx.contoso.no; dmarc=pass header.from=contoso.no (unclosed",
    'mx.contoso.no; spf=pass smtp.mailfrom="ø; dmarc=pass"; dmarc=fail header.from=contoso.no',
    "mx.contoso.no; dmarc=pass header.from=contoso.no\r\nX-Smuggled: 1",
])
def test_hostile_headers_are_unparseable_not_errors(value):
    with pytest.raises(authresults.AuthResultsError):
        authresults.parse(value)
