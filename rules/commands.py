"""Approval commands in a mail: `APPROVE <request-id> <code>` and `DENY <request-id> <code> [reason]`.

Like Mailman's `confirm <token>`: a command counts in the subject (a mailto:
link prefills it there, after any Re:/SV:) or on a line of the writer's new
text. Quoted text never counts, nor a forwarded message: both are someone
else's words (rules/text.py's new_text_parts). A mail that both approves and
denies one request (our own request mail quoted where the quote markers were
lost) decides nothing for it. Pure: text in, commands out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .text import new_text_parts

MAX_COMMANDS = 5     # commands read from one mail; more is not a person approving
_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|sv|aw|antw|vs|fw|fwd)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)
# The whole line is the command (a code mentioned inside a sentence is not one);
# a denial may carry its reason after the code.
_COMMAND = re.compile(r"^\s*(approve|deny)\s+(r-[a-z0-9]{4,12})\s+([a-z0-9]{8,16})(?:[\s:,;.-]+(\S.{0,300}?))?[\s.]*$",
                      re.IGNORECASE)


@dataclass(frozen=True)
class Command:
    """One approval command: approve or deny `request_id` with `code`; `reason` for a denial."""

    verb: str           # approve | deny
    request_id: str     # upper-cased, R-XXXXXX
    code: str           # as written (normalised when checked)
    reason: str = ""
    where: str = "text"  # subject | text


def _parse_line(line: str, where: str) -> Command | None:
    match = _COMMAND.match(line)
    if not match:
        return None
    verb, request_id, code, reason = match.groups()
    return Command(verb.lower(), request_id.upper(), code, (reason or "").strip(), where)


def _lines(subject: str, text: str) -> list[tuple[str, str]]:
    """(where, line) pairs that may hold a command: the subject after Re:/SV:, and the new text's lines."""
    own, _forwarded = new_text_parts(text or "", subject or "")
    return [("subject", _REPLY_PREFIX.sub("", subject or ""))] + [("text", line) for line in own.splitlines()]


def find_commands(subject: str, text: str) -> list[Command]:
    """The approval commands in a mail's subject and new text, at most MAX_COMMANDS, conflicts dropped."""
    found: list[Command] = []
    for where, line in _lines(subject, text):
        command = _parse_line(line, where)
        if command is not None:
            found.append(command)
        if len(found) > MAX_COMMANDS:
            break
    # One command per request: the same line twice (subject and body) is one;
    # approve and deny for the same request is no decision at all.
    by_request: dict[str, list[Command]] = {}
    for command in found[:MAX_COMMANDS]:
        by_request.setdefault(command.request_id, []).append(command)
    result = []
    for commands in by_request.values():
        if len({c.verb for c in commands}) > 1 or len({c.code.upper() for c in commands}) > 1:
            continue
        result.append(next((c for c in commands if c.reason), commands[0]))
    return result


def looks_like_command(subject: str, text: str) -> bool:
    """Whether the mail tries to be an approval command at all (even a conflicting one)."""
    return any(_COMMAND.match(line) for _, line in _lines(subject, text))


def redact(text: str) -> str:
    """The text with the code of any command line replaced: what may be stored of the subject."""
    def one(line: str) -> str:
        command = _parse_line(_REPLY_PREFIX.sub("", line), "subject")
        if command is None:
            return line
        return line.replace(command.code, "[code]")
    return "\n".join(one(line) for line in (text or "").split("\n"))
