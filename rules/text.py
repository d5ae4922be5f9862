"""Which part of a mail's text is new: what the writer wrote now, plus what they forwarded.

Quoted earlier mails and signatures do not decide; a forwarded plea does.
The markers below are the ones mail clients really write (Outlook, Gmail,
Apple Mail, Thunderbird, phones) in English and Norwegian.
"""

from __future__ import annotations

import re

_FORWARD = re.compile(
    r"^\s*(?:-{2,}\s*(?:forwarded message|videresendt melding|original message|opprinnelig melding|"
    r"opphavleg melding|videresend melding)\s*-{2,}|begin forwarded message:|start på videresendt melding:|"
    r"videresendt melding:?)\s*$",
    re.IGNORECASE)
_ORIGINAL = re.compile(r"^\s*-{2,}\s*(?:original message|opprinnelig melding|opphavleg melding)\s*-{2,}\s*$",
                       re.IGNORECASE)
_REPLY_HEADER = re.compile(
    r"^\s*(?:on\s.{4,200}\bwrote:|.{4,200}\bwrote:|.{4,200}\bskre?i?v\b.{0,120}:|.{4,200}\bskrev følgende:|"
    r"am\s.{4,200}\bschrieb\b.*:|le\s.{4,200}\ba écrit\s*:)\s*$",
    re.IGNORECASE)
# Outlook puts a header block under a rule line: "From: x / Sent: y" or "Fra: x / Sendt: y".
_OUTLOOK_FROM = re.compile(r"^\s*\**(?:from|fra)\s*:\**\s", re.IGNORECASE)
_OUTLOOK_SENT = re.compile(r"^\s*\**(?:sent|sendt|date|dato)\s*:\**\s", re.IGNORECASE)
_RULE_LINE = re.compile(r"^\s*_{10,}\s*$")
_HEADER_LINE = re.compile(r"^\s*\**(?:from|fra|sent|sendt|date|dato|to|til|cc|kopi|subject|emne)\s*:", re.IGNORECASE)
_SIGNATURE = re.compile(
    r"^\s*(?:--\s*|"
    r"(?:med )?(?:vennlig|venleg|beste|varm|god)(?:e|ste)? (?:hilsen|helsing)[,.!]?|mvh[,.]?|hilsen[,.]?|helsing[,.]?|"
    r"(?:best|kind|warm|many thanks and)? ?regards[,.!]?|best[,.!]?|cheers[,.!]?|sincerely[,.]?|yours "
    r"(?:truly|sincerely)[,.]?|"
    r"sent from my .{2,40}|sendt fra min .{2,40}|sendt fra .{2,40}|get outlook for .{2,30}|hent outlook for .{2,30}|"
    r"(?:this|the) (?:e-?mail|message) (?:and any attachments )?(?:is|may|contains?) .*|"
    r"denne e-?posten? (?:er|kan|inneholder) .*|"
    r"confidentiality notice.*|disclaimer.*|konfidensialitet.*)\s*$",
    re.IGNORECASE)
_QUOTED = re.compile(r"^\s*>")
# A reply header is a date, a name and an address: a longer line is text. The
# header is matched on the stripped line, since leading blanks before
# `.{4,200}` would cost the length of the blanks times 200 steps.
_MAX_REPLY_HEADER = 400
_FORWARD_SUBJECT = re.compile(r"^\s*(?:(?:re|sv|aw)\s*:\s*)*(?:fwd?|vs|wg|tr|fw)\s*:", re.IGNORECASE)


def _own_text(lines: list[str], is_forward: bool) -> tuple[list[str], list[str]]:
    """Split one segment into (what the writer wrote, the rest after a reply/forward header)."""
    kept: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.endswith(":") and len(stripped) <= _MAX_REPLY_HEADER and _REPLY_HEADER.match(stripped):
            return kept, ([] if not is_forward else lines[index + 1:])
        if _RULE_LINE.match(line) or _ORIGINAL.match(line) or (
                _OUTLOOK_FROM.match(line) and any(_OUTLOOK_SENT.match(later) for later in lines[index + 1:index + 4])):
            rest = lines[index:]
            return kept, (rest if is_forward else [])
        kept.append(line)
    return kept, []


def _strip_signature(lines: list[str]) -> list[str]:
    for index, line in enumerate(lines):
        # A sign-off only ends the text when it stands on a short line of its own.
        if len(line) < 80 and _SIGNATURE.match(line) and index > 0:
            return lines[:index]
    return lines


def _drop_header_block(lines: list[str]) -> list[str]:
    index = 0
    while index < len(lines) and (not lines[index].strip() or _HEADER_LINE.match(lines[index])
                                  or _RULE_LINE.match(lines[index]) or _ORIGINAL.match(lines[index])
                                  or _FORWARD.match(lines[index])):
        index += 1
    return lines[index:]


def new_text_parts(text: str, subject: str = "") -> tuple[str, str]:
    """(what the writer wrote now, what they forwarded), without quotes or signatures."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    is_forward = bool(_FORWARD_SUBJECT.match(subject))
    segments: list[list[str]] = [[]]
    for line in lines:
        if _FORWARD.match(line) and not (_ORIGINAL.match(line) and not is_forward):
            segments.append([])
            continue
        segments[-1].append(line)
    own_lines: list[str] = []
    forwarded_lines: list[str] = []
    for number, segment in enumerate(segments):
        target = own_lines if number == 0 else forwarded_lines
        if number > 0:
            segment = _drop_header_block(segment)
        own, forwarded = _own_text(segment, is_forward)
        own = [line for line in own if not _QUOTED.match(line)]
        target.extend(_strip_signature(own))
        if forwarded:
            forwarded = [line for line in _drop_header_block(forwarded) if not _QUOTED.match(line)]
            forwarded_lines.extend(_strip_signature(forwarded))
    return "\n".join(own_lines).strip(), "\n".join(forwarded_lines).strip()


def new_text(text: str, subject: str = "") -> str:
    """The text that decides: the writer's own words and any forwarded message."""
    own, forwarded = new_text_parts(text, subject)
    return f"{own}\n{forwarded}".strip() if forwarded else own
