"""HTML-only mail -> plain text good enough for the rules (stdlib only)."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_BLOCK = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "blockquote", "hr"}
_SKIP = {"style", "script", "head", "title"}


class _TextExtractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.quote_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self.skipping += 1
        elif tag == "blockquote":
            self.quote_depth += 1
            self.parts.append("\n")
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "blockquote":
            self.quote_depth = max(0, self.quote_depth - 1)
            self.parts.append("\n")
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if self.skipping:
            return
        if self.quote_depth:
            # Quoted HTML becomes '>'-quoted text so the quote stripper sees it.
            data = "\n".join("> " + line for line in data.split("\n"))
        self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Readable text of an HTML body: blocks become lines, scripts and styles are dropped."""
    if not markup:
        return ""
    extractor = _TextExtractor()
    try:
        extractor.feed(markup)
        extractor.close()
    except Exception:  # broken markup: fall back to stripping tags
        return html.unescape(re.sub(r"<[^>]+>", " ", markup))
    text = "".join(extractor.parts).replace("\xa0", " ")
    text = re.sub(r"[ \t]+", " ", text)
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()
