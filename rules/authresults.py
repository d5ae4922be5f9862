"""Authentication-Results (RFC 8601) read with its grammar, by the `authres` package.

`authres` (the dkimpy/pyspf maintainers') parses comments (nested), quoted
strings and ``ptype.property=value`` as the RFC says, so a ``dmarc=pass``
inside a comment or a quoted ``smtp.mailfrom`` is text, not a result.

Two things are changed for speed, not for meaning, in a subclass: the
pinned 1.2.0 consumes its input with ``re.sub`` on the remaining text
(a copy per token: quadratic, 0.27 s for an 80 KB header) and recompiles
its patterns through ``re``'s cache on every token. Here the same patterns
match at a position, and CFWS is not looked for where the next character
cannot start it: about 45 us instead of 300 us for a 190-character header
(bench/bench_authres.py). tests/test_authresults.py checks that the
results equal stock authres's on every header the tests use.
"""

from __future__ import annotations

import re

import authres
import authres.core
import authres.dmarc

MAX_LENGTH = 8192      # characters; real headers are well under 2,000
_PATTERNS: dict[str, re.Pattern] = {}
# The authserv-id as authres reads it: leading white space, then a dot-atom.
_ATEXT = r"A-Za-z0-9!#$%&'*+/=?^_`{|}~-"
_AUTHSERV_ID = re.compile(rf"[ \t\r\n]*([{_ATEXT}]+(?:\.[{_ATEXT}]+)*)")
_FOLD = re.compile(r"\r?\n(?=[ \t])")


class AuthResultsError(ValueError):
    """An Authentication-Results value that is not RFC 8601 (or too long to try)."""


class _Header(authres.core.AuthenticationResultsHeader):
    """authres's header parser, matching at a position instead of re-slicing the text."""

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
            regexp = _PATTERNS[pattern] = re.compile(pattern.removeprefix("^"), re.IGNORECASE)
        match = regexp.match(self._text, self._pos)
        if match is not None:
            self._pos = match.end()
        return match

    def _parse_rfc5322_cfws(self):
        if self._pos >= len(self._text) or self._text[self._pos] not in " \t\r\n(":
            return None
        return super()._parse_rfc5322_cfws()


_CONTEXT = authres.FeatureContext(authres.dmarc)
_CONTEXT.header_class = _Header


def authserv_id(value: str) -> str:
    """The authserv-id a header starts with (lower-cased), '' when it starts with none.

    Cheap, so that headers of other authserv-ids are skipped without parsing.
    A header that starts with a comment is parsed to find out.
    """
    match = _AUTHSERV_ID.match(value)
    if match:
        return match.group(1).lower()
    try:
        return parse(value).authserv_id or ""
    except AuthResultsError:
        return ""


def parse(value: str) -> authres.core.AuthenticationResultsHeader:
    """The raw (never RFC 2047-decoded) header value, parsed; AuthResultsError if it is not RFC 8601."""
    if len(value) > MAX_LENGTH:
        raise AuthResultsError(f"over {MAX_LENGTH} characters")
    try:
        return _CONTEXT.parse_value(_FOLD.sub("", value))
    except authres.AuthResError as error:
        raise AuthResultsError(str(error)) from None
    except (RecursionError, ValueError, AttributeError, TypeError, IndexError) as error:
        # comments nested past the stack, an empty result: whatever it is, it is not a verdict
        raise AuthResultsError(f"{type(error).__name__}: {error}") from None
