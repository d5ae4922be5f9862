"""The shape of the code: imports point one way, and what other modules call says what it is."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("intake", "rules", "responders")          # each may import only those before it
BESIDE = {"config", "errors", "store", "auth", "data", "crashpoints"}   # resetdesk modules any layer may use
TOP = {"service", "decide", "deliver", "process", "cli", "classify"}   # nothing below imports these


def modules() -> dict[str, ast.Module]:
    """Every module of the package by dotted name, read from its real (not symlinked) file."""
    found = {}
    for folder in ("resetdesk", *LAYERS, "data"):
        for path in sorted((ROOT / folder).glob("*.py")):
            package = "resetdesk" if folder == "resetdesk" else f"resetdesk.{folder}"
            name = package if path.stem == "__init__" else f"{package}.{path.stem}"
            found[name] = ast.parse(path.read_text(encoding="utf-8"))
    return found


def imported(name: str, tree: ast.Module) -> set[str]:
    """The resetdesk modules `name` imports, anywhere in its body, as dotted names."""
    package = name if name.count(".") == 1 and name.split(".")[1] in (*LAYERS, "data") else name.rsplit(".", 1)[0]
    result = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("resetdesk"):
                result.add(target)
                result.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            result.update(alias.name for alias in node.names if alias.name.startswith("resetdesk"))
    return result


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_imports_point_one_way():
    wrong = []
    for name, tree in modules().items():
        here = layer(name)
        for target in imported(name, tree):
            there = layer(target)
            if here in LAYERS and there in LAYERS and LAYERS.index(there) > LAYERS.index(here):
                wrong.append(f"{name} imports {target} (upward)")
            if here in LAYERS and there in TOP:
                wrong.append(f"{name} imports {target} (the service layer)")
            if here in BESIDE and (there in LAYERS or there in TOP):
                wrong.append(f"{name} imports {target} (a module beside the layers reaches into them)")
    assert wrong == []


def test_the_layer_check_sees_an_upward_import():
    tree = ast.parse("from ..responders.render import Renderer\n")
    assert "resetdesk.responders.render" in imported("resetdesk.rules.engine", tree)


def public_api() -> list[tuple[str, str, ast.AST]]:
    """(module, name, node) of every public top-level class and function, and public methods of public classes."""
    found = []
    for module, tree in modules().items():
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
                found.append((module, node.name, node))
                if isinstance(node, ast.ClassDef):
                    for item in node.body:
                        setter = any(isinstance(d, ast.Attribute) and d.attr == "setter" for d in item.decorator_list) \
                            if isinstance(item, ast.FunctionDef) else False
                        if isinstance(item, ast.FunctionDef) and not item.name.startswith("_") and not setter:
                            found.append((module, f"{node.name}.{item.name}", item))
    return found


@pytest.mark.parametrize("kind", ["class", "function"])
def test_what_other_modules_call_has_a_docstring(kind):
    users: dict[str, set[str]] = {}
    for module, tree in modules().items():
        for node in ast.walk(tree):
            name = node.attr if isinstance(node, ast.Attribute) else None
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    users.setdefault(alias.name, set()).add(module)
            elif name:
                users.setdefault(name, set()).add(module)
    missing = []
    for module, name, node in public_api():
        if (kind == "class") != isinstance(node, ast.ClassDef):
            continue
        short = name.rsplit(".", 1)[-1]
        if users.get(short, set()) - {module} and not ast.get_docstring(node):   # type: ignore[arg-type]
            missing.append(f"{module}.{name}")
    assert missing == []
