"""Every interface string exists in Kazakh and Russian, and the catalogues compile."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from bot.i18n import CatalogError, catalog_paths, compile_catalogs
from bot.paths import LOCALES_DIR

KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
PLACEHOLDER = re.compile(r"\{\w+\}|</?\w+>")


def load(language: str) -> Catalog:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
        return read_po(file)


def translations(message: Message) -> list[str]:
    strings = message.string if isinstance(message.string, (tuple, list)) else [message.string]
    return [s or "" for s in strings]


def source(message: Message) -> str:
    return str(message.id[0] if isinstance(message.id, (tuple, list)) else message.id)


@pytest.fixture(scope="module")
def template_ids() -> set[str]:
    with (LOCALES_DIR / "messages.pot").open("rb") as file:
        return {source(m) for m in read_po(file) if m.id}


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_msgid_is_translated(language: str, template_ids: set[str]) -> None:
    catalog = load(language)
    assert not catalog.fuzzy, "the catalogue header is marked fuzzy"
    messages = [m for m in catalog if m.id]
    assert {source(m) for m in messages} >= template_ids, "run `make i18n-update`"
    for message in messages:
        assert "fuzzy" not in message.flags, source(message)
        for text in translations(message):
            assert text.strip(), f"{language}: untranslated: {source(message)!r}"
            assert sorted(PLACEHOLDER.findall(text)) == sorted(
                PLACEHOLDER.findall(source(message))
            ), f"{language}: placeholders or tags differ in {source(message)!r}"


def test_kazakh_has_kazakh_letters_and_russian_has_none() -> None:
    for message in load("kk"):
        if message.id:
            for text in translations(message):
                assert KAZAKH_LETTERS & set(text), f"kk looks untranslated: {text!r}"
    for message in load("ru"):
        if message.id:
            for text in translations(message):
                assert not KAZAKH_LETTERS & set(text), f"ru has Kazakh letters: {text!r}"


# The informal «ты» / «сен» addressed to the reader: pronouns, second-person verbs and the
# imperatives the catalogues use. Adults must never meet them (CONTENT.md).
INFORMAL_RU = re.compile(
    r"(?<![а-яё])(ты|тебе|тебя|тобой|тво(й|я|ё|е|и|их|им|его|ей|ю|ими|ему)"
    r"|\w+(ешь|ёшь|ишь)"
    r"|отправь|отправляй|напиши|пиши|выбери|нажми|попробуй|проверь|звони|ответь|подожди"
    r"|открой|открывай|добавь|сохрани|сократи|перешли|пришли|присылай|опиши|убери|начни"
    r"|расскажи|воспользуйся|береги|связывайся|подходи|поднимай|фотографируй|передвинь"
    r"|торопись|возвращайся|потренируйся|извини|давай|присылай)(?![а-яё])",
    re.IGNORECASE,
)
INFORMAL_KK = re.compile(
    r"(?<![а-яёәғқңөұүһі])(сен|саған|сені|сенің|сенде|сенен|сенімен)(?![а-яёәғқңөұүһі])",
    re.IGNORECASE,
)


@pytest.mark.parametrize(("language", "informal"), [("ru", INFORMAL_RU), ("kk", INFORMAL_KK)])
def test_adults_are_never_addressed_informally(language: str, informal: re.Pattern[str]) -> None:
    """What a parent, a teacher or the moderators' chat reads: the formal catalogue where it
    has the text, else the base one (its fallback), never with «ты» / «сен»."""
    formal = {m.id: m for m in load(f"{language}@formal") if m.id}
    for message in load(language):
        if not message.id:
            continue
        read = formal.get(message.id, message)
        for text in translations(read):
            assert not informal.search(text), f"{language}@formal: {text!r}"


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_formal_catalogues_hold_only_known_texts(language: str, template_ids: set[str]) -> None:
    """A formal catalogue holds only the texts that differ; each still has a msgid of the code
    (a msgid changed in the code must be changed here too), with the same placeholders."""
    messages = [m for m in load(f"{language}@formal") if m.id]
    assert messages
    for message in messages:
        assert source(message) in template_ids, f"{language}@formal: stale {source(message)!r}"
        for text in translations(message):
            assert text.strip(), source(message)
            assert sorted(PLACEHOLDER.findall(text)) == sorted(
                PLACEHOLDER.findall(source(message))
            ), f"{language}@formal: placeholders or tags differ in {source(message)!r}"
            assert bool(KAZAKH_LETTERS & set(text)) == (language == "kk"), text


def test_plural_forms_match_the_language() -> None:
    assert load("kk").num_plurals == 2
    assert load("ru").num_plurals == 3


def test_code_strings_are_all_in_the_template(tmp_path: Path, template_ids: set[str]) -> None:
    """The committed template is up to date with the code (`make i18n-extract`)."""
    pot = tmp_path / "fresh.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "--input-dirs=bot",
            "--keywords=__ N_",
            "--no-location",
            "-o",
            str(pot),
        ],
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as file:
        fresh = {source(m) for m in read_po(file) if m.id}
    assert fresh == template_ids


def test_catalogues_compile(tmp_path: Path) -> None:
    """pybabel compiles every catalogue. It skips a fuzzy one with exit status 0 and no .mo,
    so the test looks for the files, and runs gettext's `msgfmt --check` where installed."""
    shutil.copytree(LOCALES_DIR, tmp_path / "locales")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "compile",
            "-d",
            str(tmp_path / "locales"),
            "-D",
            "messages",
            "--statistics",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for language in ("kk", "ru"):
        mo = tmp_path / "locales" / language / "LC_MESSAGES" / "messages.mo"
        assert mo.exists() and mo.stat().st_size > 1000, f"{language}: no .mo was written"
    msgfmt = shutil.which("msgfmt")
    if msgfmt is not None:
        for po in catalog_paths():
            check = subprocess.run(
                [msgfmt, "--check", "-o", os.devnull, str(po)],
                capture_output=True,
                text=True,
                check=False,
            )
            assert check.returncode == 0, check.stderr


def test_a_fuzzy_catalogue_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "ru" / "LC_MESSAGES"
    target.mkdir(parents=True)
    text = (LOCALES_DIR / "ru" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    (target / "messages.po").write_text("#, fuzzy\n" + text, encoding="utf-8")
    with pytest.raises(CatalogError, match="fuzzy"):
        compile_catalogs(tmp_path, force=True)
