"""HTML-only mail -> plain text good enough for the rules (stdlib only).

A small tokenizer of our own, not html.parser: the stdlib's parser (3.11)
rescans the rest of the document for every construct that does not close,
so a mail of unclosed tags or attributes ('<a b="' repeated, 'x<' repeated)
costs time with the square of its length: 190 KB of '<a b="' took a minute.
Here every construct is closed by one forward search from where it starts,
and what never closes runs to the end of the markup, as HTML's own
tokenizer has it (an unclosed comment or tag hides the rest in a browser
too). So each character is read a bounded number of times.
"""

from __future__ import annotations

import html
import re

_BLOCK = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "blockquote", "hr"}
_SKIP = {"style", "script", "head", "title"}
_RAW_TEXT = {"script", "style"}            # their content is not markup: it ends at the end tag only
_TAG_NAME = re.compile(r"</?([a-zA-Z][^\t\n\r\f />\x00]*)")
# Inside a tag: its end, or a quoted attribute value (where a '>' does not end the tag).
_TAG_STOP = re.compile(r""">|=[ \t\n\r\f]*(["'])""")
_COMMENT_END = re.compile(r"--!?\s*>")
_RAW_TEXT_END = {name: re.compile(rf"</{name}[\t\n\r\f />]", re.IGNORECASE) for name in _RAW_TEXT}
# html.unescape calls int() on a numeric reference's digits, and int() refuses
# over 4,300 decimal digits (ValueError). A reference past U+10FFFF becomes
# U+FFFD in unescape anyway; a short one loses only its leading zeros.
_NUMERIC_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));?")


def _short_reference(match: re.Match) -> str:
    hexadecimal, decimal = match.groups()
    digits = (hexadecimal or decimal).lstrip("0") or "0"
    if len(digits) > 8:
        return "\ufffd"
    return ("&#x" if hexadecimal is not None else "&#") + digits + ";"


def unescape(text: str) -> str:
    """html.unescape that never raises: the same text for every reference it can read."""
    if "&" not in text:
        return text
    if "&#" in text:
        text = _NUMERIC_REFERENCE.sub(_short_reference, text)
    return html.unescape(text)


class _TextExtractor:
    """Collects the visible text: block tags break lines, blockquotes become '>' quotes."""

    def __init__(self):
        self.parts: list[str] = []
        self.skipping = 0
        self.quote_depth = 0

    def starttag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag == "blockquote":
            self.quote_depth += 1
            self.parts.append("\n")
        elif tag in _BLOCK:
            self.parts.append("\n")

    def endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "blockquote":
            self.quote_depth = max(0, self.quote_depth - 1)
            self.parts.append("\n")
        elif tag in _BLOCK:
            self.parts.append("\n")

    def data(self, raw: str) -> None:
        if self.skipping or not raw:
            return
        data = unescape(raw)
        if self.quote_depth:
            # Quoted HTML becomes '>'-quoted text so the quote stripper sees it.
            data = "\n".join("> " + line for line in data.split("\n"))
        self.parts.append(data)


def _tag_end(markup: str, start: int) -> int:
    """Where the tag whose attributes begin at `start` ends (after its '>'); -1 if it never does."""
    position = start
    while True:
        stop = _TAG_STOP.search(markup, position)
        if stop is None:
            return -1
        if stop.group(1) is None:
            return stop.end()
        close = markup.find(stop.group(1), stop.end())
        if close < 0:
            return -1
        position = close + 1


def _tokens(markup: str, out: _TextExtractor) -> None:
    """Feed `out` the text and tags of `markup`, in one forward pass."""
    position, length = 0, len(markup)
    while position < length:
        opening = markup.find("<", position)
        if opening < 0:
            out.data(markup[position:])
            return
        name = _TAG_NAME.match(markup, opening)
        if name is None and not markup.startswith(("<!", "<?", "</"), opening):
            # A '<' that opens nothing is text ('<3', 'a < b'): up to the next '<' that might.
            following = markup.find("<", opening + 1)
            following = length if following < 0 else following
            out.data(markup[position:following])
            position = following
            continue
        out.data(markup[position:opening])
        if markup.startswith("<!--", opening):
            comment_end = _COMMENT_END.search(markup, opening + 4)
            position = comment_end.end() if comment_end else length
        elif name is None:
            # <!DOCTYPE>, <![if ...]>, <?xml ...?>, </ x>: bogus comments up to the first '>'.
            end = markup.find(">", opening + 2)
            position = end + 1 if end >= 0 else length
        else:
            tag = name.group(1).lower()
            end = _tag_end(markup, name.end())
            if end < 0:
                return                      # a tag still open at the end: nothing more is shown
            position = end
            inner = markup[name.end():end - 1].rstrip()
            if markup[opening + 1] == "/":
                out.endtag(tag)
            elif inner.endswith("/") and (len(inner) == 1 or inner[-2] in " \t\n\r\f\"'/"):
                out.starttag(tag)           # <br/>: a start and an end, as html.parser reports it
                out.endtag(tag)
            else:
                out.starttag(tag)
                if tag in _RAW_TEXT:
                    close = _RAW_TEXT_END[tag].search(markup, position)
                    position = close.start() if close else length


def html_to_text(markup: str) -> str:
    """The visible text of an HTML body, block by block."""
    if not markup:
        return ""
    extractor = _TextExtractor()
    _tokens(markup, extractor)
    text = "".join(extractor.parts).replace("\xa0", " ")
    text = re.sub(r"[ \t]+", " ", text)
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()
