"""The one Jinja2 environment every outgoing text is rendered with (replies, escalations, approvals).

Templates live in data/templates. A name ending in `.html.j2` is
autoescaped; every other one is plain text. Undefined variables are errors,
so a template that names something the context lacks fails at once, not
with an empty word in a mail. Templates are read once per process (no mtime
check per mail): restart to pick up an edit.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from ..data import data_dir
from ..errors import KnowledgeError


def _autoescape(name: str | None) -> bool:
    return bool(name and name.endswith(".html.j2"))


@lru_cache(maxsize=4)
def environment(directory: str | None = None) -> jinja2.Environment:
    """The environment for `directory` (default: the shipped data/templates)."""
    folder = directory or str(data_dir() / "templates")
    return jinja2.Environment(loader=jinja2.FileSystemLoader(folder), autoescape=_autoescape,
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                              trim_blocks=True, lstrip_blocks=True, auto_reload=False)


def template(name: str, directory: str | Path | None = None) -> jinja2.Template:
    """A compiled template; a missing or broken one is a KnowledgeError naming it."""
    env = environment(str(directory) if directory else None)
    try:
        return env.get_template(name)
    except jinja2.TemplateNotFound:
        raise KnowledgeError(f"{env.loader.searchpath[0]}: template {name} is missing") from None  # type: ignore[union-attr]
    except jinja2.TemplateSyntaxError as error:
        raise KnowledgeError(f"{env.loader.searchpath[0]}/{name}:{error.lineno}: {error.message}") from None  # type: ignore[union-attr]


def render(name: str, context: dict[str, Any], directory: str | Path | None = None) -> str:
    """Render template `name` with `context`; a rendering error is a KnowledgeError naming the template."""
    try:
        return template(name, directory).render(context)
    except jinja2.TemplateError as error:
        raise KnowledgeError(f"template {name}: {error}") from None
