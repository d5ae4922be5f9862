"""Who sent a mail: one strict RFC 5322 mailbox, or the reason there is none.

The sender's identity decides whether a reset may be requested and where a
reply goes, so it is parsed, never matched, and never guessed:

- the header's raw value is parsed (RFC 2047 encoded words are never decoded
  before the address is found, and an encoded word inside an address is
  refused: RFC 2047 5(3) forbids it, yet the stdlib decodes
  ``=?utf-8?q?kari?=@contoso.no`` to ``kari@contoso.no``);
- exactly one mailbox: lists, groups, empty fields, source routes, domain
  literals and every form the stdlib parser flags as a defect (the lax
  ``a@x <b@y>`` and ``a@x)<b@y>`` of CVE-2023-27043) are refused;
- the display name is decoded afterwards and only for display; one that
  decodes to a line break is a header injection attempt and is refused too.

The common forms (``addr``, ``<addr>``, ``Name <addr>``, ``"Name" <addr>``)
are read by one anchored regular expression; everything else by the stdlib's
RFC 5322 parser (``email._header_value_parser``, the one behind
``policy.default``), which is ten times slower but rare.

Addresses come out canonical: local part lower-cased (as the desk always
compared them), domain lower-cased in IDNA A-labels (``xn--``) without a
trailing dot, so ``blåbær.no`` and ``xn--blbr-roah.no`` are one domain and a
Cyrillic 'о' in ``cоntoso.no`` stays visibly another one.
"""

from __future__ import annotations

import re
from email import _header_value_parser as rfc5322
from email import errors as email_errors

import idna


class AddressError(ValueError):
    """A header does not hold exactly one strictly parsed mailbox."""


_ATEXT = r"A-Za-z0-9!#$%&'*+/=?^_`{|}~\-"
_UTF8 = "\u0080-\U0010ffff"                     # RFC 6532: UTF-8 in addresses and names
_DOT_ATOM = rf"[{_ATEXT}{_UTF8}]+(?:\.[{_ATEXT}{_UTF8}]+)*"
_ADDR = rf"{_DOT_ATOM}@{_DOT_ATOM}"
_WORD = rf"[{_ATEXT}{_UTF8}][{_ATEXT}{_UTF8}.]*"     # obs-phrase: "Kari A. Nordmann"
_FAST = re.compile(rf"""[ \t]*(?:
      (?P<bare>{_ADDR})
    | (?:(?P<phrase>{_WORD}(?:[ \t]+{_WORD})*)|"(?P<quoted>[^"\\\x00-\x1f\x7f]*)")?[ \t]*<(?P<angle>{_ADDR})>
    )[ \t]*""", re.VERBOSE)
_PATH = re.compile(rf"[ \t]*(?:<[ \t]*>|<(?P<angle>{_ADDR})>|(?P<bare>{_ADDR}))[ \t]*")
_LOCAL = re.compile(_DOT_ATOM)
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_ENCODED_WORD = re.compile(r"=\?[^?]*\?[bBqQ]\?")
_LINE_BREAKS = re.compile("[\x00-\x08\x0a-\x1f\x7f\u2028\u2029]")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
MAX_FIELD = 4096    # characters of a From or Return-Path field
MAX_SLOW = 998      # ... and of one the stdlib parser reads (a line's limit; it takes ~10 ms at worst)
# Obsolete syntax the stdlib tolerates that says nothing about who sent it.
_HARMLESS_DEFECTS = ("period in 'phrase'",)


def unfold(value: str) -> str:
    """Folding removed (CRLF or LF before white space); any other line break stays, to be refused."""
    return _FOLD.sub("", value)


def canonical_domain(domain: str) -> str:
    """A host name lower-cased in IDNA A-labels, one trailing dot dropped; AddressError if it is none.

    IDNA 2008 without UTS 46 mapping: fullwidth letters and other forms a
    mapping would quietly turn into another name are refused, not mapped.
    """
    name = domain.strip().lower()
    if name.endswith("."):
        name = name[:-1]
    if not name.isascii():
        try:
            name = idna.encode(name).decode("ascii")
        except (idna.IDNAError, UnicodeError) as error:
            raise AddressError(f"domain {domain!r} is not a valid international host name: {error}") from None
    labels = name.split(".")
    if len(labels) < 2 or len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise AddressError(f"domain {domain!r} is not a host name")
    for label in labels:
        if label.startswith("xn--"):
            try:
                idna.decode(label)
            except (idna.IDNAError, UnicodeError) as error:
                raise AddressError(f"domain {domain!r} has an invalid A-label {label!r}: {error}") from None
    return name


def canonical_address(local: str, domain: str) -> str:
    """local@domain in the form the desk compares and answers: see the module docstring."""
    if "=?" in local or _ENCODED_WORD.search(domain):
        raise AddressError("an RFC 2047 encoded word inside the address")
    if not local.isprintable() or not _LOCAL.fullmatch(local):
        raise AddressError(f"local part {local!r} is not a plain dot-atom")
    return f"{local.lower()}@{canonical_domain(domain)}"


def normalise_address(address: str) -> str:
    """A configured address (policy.requesters, desk_address) in canonical form; as lower-cased text if it is none."""
    local, at, domain = address.strip().rpartition("@")
    try:
        return canonical_address(local, domain) if at else address.strip().lower()
    except AddressError:
        return address.strip().lower()


def _display_name(text: str, decoded: bool = False) -> str:
    """Decoded only now, after the address is known, and only to be shown."""
    from .parse import decode_words
    if not decoded and "=?" in text:
        text = decode_words(text)
    if _LINE_BREAKS.search(text):
        raise AddressError("the display name decodes to a line break or control character (header injection)")
    return " ".join(text.split())


def parse_mailbox(value: str) -> tuple[str, str]:
    """(canonical address, display name) of the one mailbox in a From value; AddressError otherwise."""
    if len(value) > MAX_FIELD:
        raise AddressError(f"the field is over {MAX_FIELD} characters")
    value = unfold(value)
    if "\r" in value or "\n" in value or "\x00" in value:
        raise AddressError("a line break or NUL inside the field")
    if not value.strip():
        raise AddressError("the field is empty")
    fast = _FAST.fullmatch(value)
    if fast:
        addr = fast.group("bare") or fast.group("angle")
        local, _, domain = addr.rpartition("@")
        name = fast.group("phrase") or fast.group("quoted") or ""
        return canonical_address(local, domain), _display_name(name)
    return _parse_slowly(value)


def _parse_slowly(value: str) -> tuple[str, str]:
    if len(value) > MAX_SLOW:
        raise AddressError(f"an unusual form over {MAX_SLOW} characters")
    try:
        parsed, rest = rfc5322.get_address_list(value)
    except (email_errors.HeaderParseError, IndexError, ValueError, RecursionError) as error:
        raise AddressError(f"not an RFC 5322 address: {type(error).__name__}: {error}") from None
    if rest:
        raise AddressError(f"unparseable text after the address: {rest[:40]!r}")
    addresses = parsed.addresses    # the parts whose token_type is "address"
    if any(token.token_type != "address" for token in parsed):   # a comma: a list, or an empty element
        raise AddressError(f"a list of {len(addresses)} address(es) where one mailbox belongs")
    if len(addresses) != 1:
        raise AddressError(f"{len(addresses)} addresses where one mailbox belongs")
    if addresses[0][0].token_type == "group":
        raise AddressError("group syntax where one mailbox belongs")
    defects = [str(d) for d in parsed.all_defects if str(d) not in _HARMLESS_DEFECTS]
    if defects:
        raise AddressError("not a strict RFC 5322 mailbox: " + "; ".join(defects[:3]))
    if len(parsed.all_mailboxes) != 1 or len(parsed.mailboxes) != 1:
        raise AddressError("no valid mailbox")
    mailbox = parsed.mailboxes[0]
    if mailbox.route:
        raise AddressError("a source route in the address")
    addr_spec = _find(mailbox, "addr-spec")
    if addr_spec is None or _find(addr_spec, "encoded-word") is not None:
        raise AddressError("an RFC 2047 encoded word inside the address")
    if mailbox.domain is None or mailbox.domain.startswith("["):
        raise AddressError("no host name after the @ (a domain literal or none)")
    return (canonical_address(mailbox.local_part or "", mailbox.domain),
            _display_name(mailbox.display_name or "", decoded=True))


def _find(token, token_type: str):
    """The first token of a type in the parse tree, depth first."""
    if getattr(token, "token_type", None) == token_type:
        return token
    if isinstance(token, list):
        for child in token:
            found = _find(child, token_type)
            if found is not None:
                return found
    return None


def parse_path(value: str) -> str:
    """A Return-Path: '' for the null path <>, else the canonical address; AddressError otherwise."""
    if len(value) > MAX_FIELD:
        raise AddressError(f"the field is over {MAX_FIELD} characters")
    match = _PATH.fullmatch(unfold(value))
    if match is None:
        raise AddressError("not a plain <address> or <>")
    addr = match.group("angle") or match.group("bare")
    if addr is None:
        return ""
    local, _, domain = addr.rpartition("@")
    return canonical_address(local, domain)
