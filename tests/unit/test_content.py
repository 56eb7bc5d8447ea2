"""The content files: both languages, same structure, limits, and clear errors when broken."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from bot.__main__ import main
from bot.paths import CONTENT_DIR
from bot.services.content import ContentError, Library, load_library
from bot.services.content.models import (
    Campaign,
    Contact,
    Course,
    Instrument,
    Localized,
    Quiz,
    Simulation,
    Topic,
)

KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")


def localized_texts(node: object, path: str = "") -> Iterator[tuple[str, Localized]]:
    """Every Kazakh/Russian pair in the library, with where it is."""
    if isinstance(node, Localized):
        yield path, node
    elif isinstance(node, tuple):
        for index, item in enumerate(node):
            yield from localized_texts(item, f"{path}[{index}]")
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from localized_texts(getattr(node, name), f"{path}.{name}")


def test_the_shipped_content_is_valid(library: Library) -> None:
    assert len([t for t in library.topics if t.audience == "teen"]) >= 6
    assert len([t for t in library.topics if t.audience == "parent"]) >= 4
    assert len([t for t in library.topics if t.audience == "teacher"]) >= 1
    assert {"recruitment", "myths", "parent_signs"} <= {q.id for q in library.quizzes}
    for quiz in library.quizzes:
        assert 6 <= len(quiz.questions) <= 8, quiz.id
    assert len(library.regions) == 20


def test_kazakh_is_kazakh_and_russian_is_russian(library: Library) -> None:
    texts = [
        (path, text)
        for path, text in localized_texts(library)
        # Proper names: regions like "Астана", a simulation's other person like "Данияр".
        if ".regions" not in path and ".name" not in path and ".persona" not in path
    ]
    assert len(texts) > 300
    not_kazakh = [p for p, t in texts if not KAZAKH_LETTERS & set(t.kk)]
    in_russian = [p for p, t in texts if KAZAKH_LETTERS & set(t.ru)]
    assert not_kazakh == []
    assert in_russian == []


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_quizzes_cannot_be_guessed_from_the_options(library: Library, language: str) -> None:
    """Wrong options are misconceptions of similar length: the right one is the longest in at
    most 40 % of a quiz's questions (and the shortest in at most half), and no position holds
    it in more than half of them (Telegram shuffles the options too)."""
    for quiz in library.quizzes:
        questions = len(quiz.questions)
        lengths = [[len(o.get(language)) for o in q.options] for q in quiz.questions]
        right = [ls[q.correct] for ls, q in zip(lengths, quiz.questions, strict=True)]
        longest = sum(1 for ls, r in zip(lengths, right, strict=True) if r == max(ls))
        shortest = sum(1 for ls, r in zip(lengths, right, strict=True) if r == min(ls))
        positions = Counter(q.correct for q in quiz.questions)
        assert longest <= 0.4 * questions, f"{quiz.id}: the right option is longest {longest}×"
        assert shortest <= 0.5 * questions, f"{quiz.id}: the right option is shortest {shortest}×"
        assert max(positions.values()) <= questions / 2, f"{quiz.id}: positions {positions}"


def test_every_card_and_question_fits_telegram(library: Library) -> None:
    for topic in library.topics:
        assert len(topic.cards) >= 3, topic.id
        with_choices = sum(1 for card in topic.cards if card.choices)
        assert with_choices * 2 >= len(topic.cards), f"{topic.id}: most cards offer a choice"
    for quiz in library.quizzes:
        for question in quiz.questions:
            for text in (question.question.kk, question.question.ru):
                assert len(text) + len("(8/8) ") <= 300
            for option in question.options:
                assert len(option.kk) <= 100 and len(option.ru) <= 100
            for explanation in (question.explanation.kk, question.explanation.ru):
                assert len(explanation) <= 200 and explanation.count("\n") <= 2


def test_every_item_cites_sources(library: Library) -> None:
    items: list[Topic | Quiz | Contact | Simulation | Instrument | Course | Campaign] = [
        *library.topics,
        *library.quizzes,
        *library.help.contacts,
        *library.simulations,
        *library.instruments,
        *library.courses,
        *library.campaigns,
    ]
    for item in items:
        assert item.sources and all(source.strip() for source in item.sources), item.id


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


def edit(directory: Path, name: str, change: object) -> None:
    path = directory / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def broken(directory: Path) -> str:
    with pytest.raises(ContentError) as caught:
        load_library(directory)
    return str(caught.value)


def test_missing_language_names_file_and_item(content_copy: Path) -> None:
    edit(content_copy, "topics.yaml", lambda d: d["topics"][0]["cards"][1]["text"].pop("kk"))
    message = broken(content_copy)
    assert "topics.yaml" in message and "id=easy_money" in message and "cards[1].text.kk" in message


def test_empty_text_is_rejected(content_copy: Path) -> None:
    edit(content_copy, "help.yaml", lambda d: d["contacts"][0]["name"].update(ru="  "))
    assert "help.yaml" in broken(content_copy) and "empty" in broken(content_copy)


def test_over_long_card_is_rejected(content_copy: Path) -> None:
    edit(
        content_copy,
        "topics.yaml",
        lambda d: d["topics"][2]["cards"][0]["text"].update(ru="а" * 901),
    )
    assert "limit is 900" in broken(content_copy)


def test_poll_limits_are_enforced(content_copy: Path) -> None:
    def too_long(data: dict) -> None:  # type: ignore[type-arg]
        question = data["quizzes"][0]["questions"][0]
        question["options"][0]["kk"] = "ә" * 101
        question["explanation"]["ru"] = "строка\nещё\nи ещё\nи ещё одна"

    edit(content_copy, "quizzes.yaml", too_long)
    message = broken(content_copy)
    assert "options[0].kk" in message and "limit is 100" in message
    assert "explanation.ru" in message and "line breaks" in message


def test_reference_to_a_missing_topic_is_rejected(content_copy: Path) -> None:
    edit(
        content_copy, "quizzes.yaml", lambda d: d["quizzes"][0]["questions"][0].update(topic="nope")
    )
    assert "topic 'nope' does not exist" in broken(content_copy)


def test_unknown_key_and_bad_yaml_are_rejected(content_copy: Path) -> None:
    edit(content_copy, "topics.yaml", lambda d: d["topics"][0].update(colour="red"))
    assert "colour" in broken(content_copy)
    (content_copy / "help.yaml").write_text("contacts: [unclosed", encoding="utf-8")
    assert "help.yaml: not valid YAML" in broken(content_copy)


def test_content_check_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["content", "check"]) == 0
    assert "Content is valid" in capsys.readouterr().out


def test_content_check_command_fails_on_errors(
    content_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(content_copy, "topics.yaml", lambda d: d["topics"][0].update(quiz="missing_quiz"))
    monkeypatch.setattr("bot.services.content.loader.CONTENT_DIR", content_copy)
    monkeypatch.setattr("bot.__main__.load_library", lambda: load_library(content_copy))
    assert main(["content", "check"]) == 1
    assert "missing_quiz" in capsys.readouterr().err


HELPLINES = ("111", "150", "102", "103", "112")


def test_helpline_numbers_come_from_the_help_file_only() -> None:
    """Texts write `{phone:ID}`; a number written out in a text would stay wrong when an
    operator corrects it in help.yaml (CONTENT.md: 150 is to be kept configurable)."""
    for path in CONTENT_DIR.glob("*.yaml"):
        if path.name in {"help.yaml", "glossary.yaml"}:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip().startswith(("#", '- "')):
                continue  # comments and sources may name the numbers they rest on
            words = set(line.replace("—", " ").replace(",", " ").replace(".", " ").split())
            assert not words & set(HELPLINES), f"{path.name}: {line.strip()[:80]}"


def test_a_number_changed_in_the_help_file_changes_in_every_text(content_copy: Path) -> None:
    help_file = content_copy / "help.yaml"
    help_file.write_text(help_file.read_text(encoding="utf-8").replace('"150"', '"1500"'))
    library = load_library(content_copy)
    texts = [t.ru for _, t in localized_texts(library)]
    assert any("1500" in t for t in texts) and not any(" 150 " in f" {t} " for t in texts)


def test_an_unknown_phone_placeholder_is_a_content_error(content_copy: Path) -> None:
    topics = content_copy / "topics.yaml"
    text = topics.read_text(encoding="utf-8").replace("{phone:youth_150}", "{phone:nobody}", 1)
    topics.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError, match=r"\{phone:nobody\} names no contact"):
        load_library(content_copy)
