"""The shape of the house (docs/architecture.md): handlers are thin and independent, and the
product package holds the bot alone."""

from __future__ import annotations

import ast
from pathlib import Path

import bot

PACKAGE = Path(bot.__file__).parent
HANDLERS = PACKAGE / "handlers"
LONGEST_HANDLER = 32  # "near 25 lines": a signature of six parameters takes eight of them


def _modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.py") if p.name != "__init__.py")


def test_no_handler_module_imports_another() -> None:
    offenders = []
    for path in _modules(HANDLERS):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bot.handlers"):
                offenders.append(f"{path.name}: from {node.module}")
    assert offenders == []


def test_handlers_are_short() -> None:
    """Wiring (create_router and the routers' assembly) may be longer; a handler may not."""
    long = []
    for path in _modules(HANDLERS):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > LONGEST_HANDLER:
                    long.append(f"{path.name}:{node.lineno} {node.name} ({length} lines)")
    assert long == []


def test_the_product_package_holds_the_bot_alone() -> None:
    assert not (PACKAGE / "fake_api").exists()
    assert not (PACKAGE / "demo").exists()
    # `python -m bot demo` imports the demo late, and says how to install it when it is not.
    imported = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
    assert {"fake_telegram", "qorgan_demo"} & imported == set()
