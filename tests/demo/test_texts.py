"""The demo page's own strings: every one in Kazakh and Russian, and the Kazakh ones really
Kazakh; every persona's label among them."""

from __future__ import annotations

import re

import pytest
from qorgan_demo.personas import PERSONAS
from qorgan_demo.texts import LANGUAGES, TEXTS, texts_for

KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


@pytest.mark.parametrize("key", sorted(TEXTS))
def test_every_string_has_both_languages(key: str) -> None:
    values = TEXTS[key]
    assert set(values) == set(LANGUAGES)
    assert all(value.strip() for value in values.values())
    assert KAZAKH_LETTERS & set(values["kk"]), f"{key}: no Kazakh letter in {values['kk']!r}"
    assert values["kk"] != values["ru"]
    assert set(PLACEHOLDER.findall(values["kk"])) == set(PLACEHOLDER.findall(values["ru"]))


def test_personas_and_page_texts_are_covered() -> None:
    for persona in PERSONAS:
        assert persona.label in TEXTS
    assert texts_for("kk")["banner"] == TEXTS["banner"]["kk"]
    with pytest.raises(KeyError):
        texts_for("en")


def test_every_key_the_page_uses_exists() -> None:
    """Keys named in the page (data-text, data-title, t("...")) are all in TEXTS."""
    from qorgan_demo.web import STATIC_DIR

    html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    script = (STATIC_DIR / "app.js").read_text(encoding="utf-8")
    used = set(re.findall(r'data-(?:text|title)="(\w+)"', html))
    used |= set(re.findall(r'\bt\("(\w+)"', script))
    assert used, "no keys found: did the page change its markup?"
    assert used <= set(TEXTS), used - set(TEXTS)
