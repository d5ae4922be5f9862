"""Authentication-Results (RFC 8601) read with its grammar, by the `authres` package.

`authres` (the dkimpy/pyspf maintainers') parses comments (nested), quoted
strings and ``ptype.property=value`` as the RFC says, so a ``dmarc=pass``
inside a comment or a quoted ``smtp.mailfrom`` is text, not a result.

It is used strictly, in a subclass of its header parser:

- strict mode: stock authres skips a property it cannot parse and goes on
  (an unclosed comment swallows the rest of the header, the real dmarc
  result included); here any syntax error makes the header unparseable,
  and an unparseable trusted header verifies nobody;
- except for one habit of real MTAs that RFC 8601's grammar lacks: a
  property without a ptype, ``action=none`` (Exchange Online, OpenDMARC),
  is read as a property of type "action" (stock authres skips it too);
- for speed, not meaning: the pinned 1.2.0 consumes its input with
  ``re.sub`` on the remaining text (a copy of the rest per token) and goes
  through ``re``'s cache on every token. Here the same patterns match at a
  position, and CFWS is not looked for where the next character cannot
  start it: about 50 us instead of 300 us for a typical header
  (bench/bench_authres.py). Headers are refused over MAX_LENGTH.

tests/test_authresults.py checks the results against stock authres on
every header the tests use.
"""

from __future__ import annotations

import re

import authres
import authres.core
import authres.dmarc

MAX_LENGTH = 8192      # characters; real headers are well under 2,000
_PATTERNS: dict[str, re.Pattern] = {}
# The authserv-id as authres reads it: leading CFWS (here: flat comments), then a dot-atom.
_ATEXT = r"A-Za-z0-9!#$%&'*+/=?^_`{|}~-"
_AUTHSERV_ID = re.compile(rf"[ \t\r\n]*(?:\([^()\\]*\)[ \t\r\n]*)*([{_ATEXT}]+(?:\.[{_ATEXT}]+)*)")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_FWS = re.compile(authres.core.RFC5322_FWS_PATTERN)


class AuthResultsError(ValueError):
    """An Authentication-Results value that is not RFC 8601 (or too long to try)."""


_KEYWORD = re.compile(r"[A-Za-z0-9!#$%&'*+?^_`{|}~-]+")   # authres's KTEXT: a ptype or property name


class _Header(authres.core.AuthenticationResultsHeader):
    """authres's header parser: strict, matching at a position instead of re-slicing the text."""

    _pos: int       # the parser's position in the text (authres ships no types)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.strict = True

    def _parse_propspec(self):
        start = self._pos
        try:
            return super()._parse_propspec()
        except authres.core.SyntaxError:
            # "keyword=value" (no ptype) or an unregistered ptype: a property of that type, never a result.
            self._pos = start
            ptype = self._parse_pattern(_KEYWORD)
            if ptype is None:
                raise
            self._parse_rfc5322_cfws()
            name = ""
            if self._parse_pattern(r"\."):
                name = self._parse_dot_key_atom() or ""
            self._parse_rfc5322_cfws()
            if not self._parse_pattern(r"="):
                raise
            value = self._parse_pvalue()
            if value is None:
                raise
            return authres.core.AuthenticationResultProperty(ptype.group(), name, value)

    @property
    def _parse_text(self) -> str:
        return self._text[self._pos:]

    @_parse_text.setter
    def _parse_text(self, value: str) -> None:
        self._text, self._pos = value, 0

    def _parse_pattern(self, pattern):
        regexp = _PATTERNS.get(pattern)
        if regexp is None:
            # authres anchors each pattern with '^' itself; match() at a position is anchored.
            regexp = _PATTERNS[pattern] = (pattern if isinstance(pattern, re.Pattern)
                                           else re.compile(pattern.removeprefix("^"), re.IGNORECASE))
        match = regexp.match(self._text, self._pos)
        if match is not None:
            self._pos = match.end()
        return match

    def _parse_rfc5322_cfws(self):
        # authres's loop (any run of FWS and comments), without a pattern call per step.
        text, found = self._text, None
        while self._pos < len(text):
            char = text[self._pos]
            if char == "(":
                found = self._parse_rfc5322_comment()    # nested comments; an unclosed one raises
            elif char in " \t\r\n":
                match = _FWS.match(text, self._pos)
                if match is None:
                    break
                self._pos, found = match.end(), True
            else:
                break
        return found


_CONTEXT = authres.FeatureContext(authres.dmarc)
_CONTEXT.header_class = _Header


def authserv_id(value: str) -> str:
    """The authserv-id a header starts with (lower-cased), '' when it starts with none.

    Cheap, so that headers of other authserv-ids are skipped without parsing
    them: a sender can add any number below the trusted one. A header that
    starts otherwise (a nested comment, a quoted string) has no authserv-id
    the desk trusts; MTAs write theirs first.
    """
    match = _AUTHSERV_ID.match(value)
    return match.group(1).lower() if match else ""


def parse(value: str) -> authres.core.AuthenticationResultsHeader:
    """The raw (never RFC 2047-decoded) header value, parsed; AuthResultsError if it is not RFC 8601."""
    if len(value) > MAX_LENGTH:
        raise AuthResultsError(f"over {MAX_LENGTH} characters")
    try:
        return _CONTEXT.parse_value(_FOLD.sub("", value))
    except authres.AuthResError as error:
        raise AuthResultsError(str(error)) from None
    except (RecursionError, ValueError) as error:   # comments nested past the stack; an empty result
        raise AuthResultsError(f"{type(error).__name__}: {error}") from None
