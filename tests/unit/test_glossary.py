"""The glossary (bot/content/glossary.yaml): every text says the bot's own things with the
same words, in both languages, and each term's word is used."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po

from bot.paths import CONTENT_DIR

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = yaml.safe_load((CONTENT_DIR / "glossary.yaml").read_text(encoding="utf-8"))["terms"]


def texts(language: str) -> list[str]:
    """Every user-facing text in `language`: the catalogue and the content files."""
    with (ROOT / "bot" / "locales" / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    found: list[str] = []
    for message in catalog:
        if message.id:
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            found += [str(form) for form in forms if form]
    for path in CONTENT_DIR.glob("*.yaml"):
        if path.name != "glossary.yaml":
            found += _strings(yaml.safe_load(path.read_text(encoding="utf-8")), language)
    return found


def _strings(node: object, language: str) -> list[str]:
    if isinstance(node, dict):
        own = [node[language]] if isinstance(node.get(language), str) else []
        return own + [s for key, value in node.items() for s in _strings(value, language)]
    if isinstance(node, list):
        return [s for item in node for s in _strings(item, language)]
    return []


def word(stem: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(stem)}", re.IGNORECASE)


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_term_is_used_and_no_text_says_it_another_way(language: str) -> None:
    corpus = texts(language)
    assert len(corpus) > 300
    for term in GLOSSARY:
        assert any(word(term["use"][language]).search(t) for t in corpus), term["id"]
        for other in term["avoid"][language]:
            offenders = [t[:80] for t in corpus if word(other).search(t)]
            assert offenders == [], f"{term['id']}: say {term['use'][language]!r}, not {other!r}"
