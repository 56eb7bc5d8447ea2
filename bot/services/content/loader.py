"""Reads and validates the content files; any problem names the file and the item."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from apscheduler.triggers.cron import CronTrigger
from pydantic import BaseModel, ValidationError

from bot.domain import ButtonKind
from bot.paths import CONTENT_DIR
from bot.services.content.models import (
    CampaignsFile,
    CoursesFile,
    EvaluationFile,
    HelpFile,
    Library,
    QuizzesFile,
    RegionsFile,
    SimulationsFile,
    TopicsFile,
)

FileModel = TypeVar("FileModel", bound=BaseModel)


class ContentError(Exception):
    """The content files are broken; `problems` has one line per problem."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def _item_name(raw: Any, loc: tuple[int | str, ...]) -> str:
    """Render an error location like `topics[2] (id=easy_money).cards[1].text.kk`."""
    parts: list[str] = []
    node = raw
    for key in loc:
        if isinstance(key, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}[{key}]"]
            node = node[key] if isinstance(node, list) and key < len(node) else None
            if isinstance(node, dict) and "id" in node:
                parts[-1] += f" (id={node['id']})"
        else:
            parts.append(str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts) or "file"


# libyaml's safe loader when PyYAML was built with it (its wheels are): ten times faster
# than the pure-Python one, which took most of the bot's start-up.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# A helpline in a text is written `{phone:ID}` and filled in from help.yaml, so that a number
# an operator corrects there is corrected everywhere (CONTENT.md: helplines belong in data).
PHONE = re.compile(r"\{phone:([a-z0-9_]+)\}")


def _with_phones(node: Any, phones: dict[str, str], unknown: set[str]) -> Any:
    if isinstance(node, str):

        def number(match: re.Match[str]) -> str:
            if match.group(1) not in phones:
                unknown.add(match.group(1))
                return match.group(0)
            return phones[match.group(1)]

        return PHONE.sub(number, node)
    if isinstance(node, list):
        return [_with_phones(item, phones, unknown) for item in node]
    if isinstance(node, dict):
        return {key: _with_phones(value, phones, unknown) for key, value in node.items()}
    return node


def _read(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)  # noqa: S506
    except FileNotFoundError:
        raise ContentError([f"{path}: file is missing"]) from None
    except yaml.YAMLError as exc:
        raise ContentError([f"{path}: not valid YAML: {exc}"]) from None


def _phones(directory: Path) -> dict[str, str]:
    """Contact id → phone, from help.yaml as written (it is validated with the rest)."""
    try:
        raw = _read(directory / "help.yaml")
    except ContentError:
        return {}
    contacts = raw.get("contacts") if isinstance(raw, dict) else None
    return {
        str(c["id"]): str(c["phone"])
        for c in contacts or []
        if isinstance(c, dict) and "id" in c and "phone" in c
    }


def _load_file(
    path: Path, model: type[FileModel], phones: dict[str, str] | None = None
) -> FileModel:
    raw = _read(path)
    if phones is not None:
        unknown: set[str] = set()
        raw = _with_phones(raw, phones, unknown)
        if unknown:
            raise ContentError(
                f"{path}: {{phone:{name}}} names no contact of help.yaml"
                for name in sorted(unknown)
            )
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ContentError(
            f"{path}: {_item_name(raw, tuple(err['loc']))}: {err['msg']}" for err in exc.errors()
        ) from None


def _used_twice(path: Path, kind: str, ids: Iterable[str]) -> list[str]:
    """One problem for each id that more than one item of a file has."""
    return [f"{path}: {kind} id {i!r} is used twice" for i, n in Counter(ids).items() if n > 1]


def _cross_check(library: Library, directory: Path) -> list[str]:
    topics_file, quizzes_file = directory / "topics.yaml", directory / "quizzes.yaml"
    topic_ids = {t.id for t in library.topics}
    quiz_ids = {q.id for q in library.quizzes}
    problems = _used_twice(topics_file, "topic", (t.id for t in library.topics))
    problems += _used_twice(quizzes_file, "quiz", (q.id for q in library.quizzes))
    for topic in library.topics:
        if topic.quiz is not None and topic.quiz not in quiz_ids:
            problems.append(f"{topics_file}: topic {topic.id}: quiz {topic.quiz!r} does not exist")
        problems += [
            f"{topics_file}: topic {topic.id}: related topic {r!r} does not exist"
            for r in topic.related
            if r not in topic_ids
        ]
    for quiz in library.quizzes:
        problems += [
            f"{quizzes_file}: quiz {quiz.id} question {n + 1}: topic {q.topic!r} does not exist"
            for n, q in enumerate(quiz.questions)
            if q.topic not in topic_ids
        ]
    problems += _check_campaigns(library, directory / "campaigns.yaml", topic_ids, quiz_ids)
    problems += _check_simulations(library, directory)
    problems += _check_courses(library, directory / "courses.yaml", topic_ids)
    return problems


def _check_courses(library: Library, path: Path, topic_ids: set[str]) -> list[str]:
    problems = _used_twice(path, "course", (c.id for c in library.courses))
    problems += _used_twice(path, "course audience", (c.audience for c in library.courses))
    for course in library.courses:
        where = f"{path}: course {course.id}"
        problems += _used_twice(
            path, f"course {course.id}: session", (s.id for s in course.sessions)
        )
        instrument = library.instrument(course.check)
        if instrument is None or instrument.audience != course.audience:
            problems.append(f"{where}: check {course.check!r} is not a check for {course.audience}")
        problems += [
            f"{where}: session {s.id}: topic {s.question.topic!r} does not exist"
            for s in course.sessions
            if s.question.topic not in topic_ids
        ]
    return problems


def _check_simulations(library: Library, directory: Path) -> list[str]:
    path, checks = directory / "simulations.yaml", directory / "evaluation.yaml"
    problems = _used_twice(path, "simulation", (s.id for s in library.simulations))
    problems += _used_twice(checks, "instrument", (i.id for i in library.instruments))
    for simulation in library.simulations:
        instrument = library.instrument(simulation.check)
        if instrument is None:
            problems.append(
                f"{path}: simulation {simulation.id}: check {simulation.check!r} does not exist"
            )
        elif instrument.audience != simulation.audience:
            problems.append(
                f"{path}: simulation {simulation.id}: check {simulation.check!r} is for"
                f" {instrument.audience}, the simulation for {simulation.audience}"
            )
    return problems


def _check_campaigns(
    library: Library, path: Path, topic_ids: set[str], quiz_ids: set[str]
) -> list[str]:
    problems = _used_twice(path, "campaign", (c.id for c in library.campaigns))
    for campaign in library.campaigns:
        where = f"{path}: campaign {campaign.id}"
        try:
            CronTrigger(timezone="Asia/Almaty", **campaign.schedule.fields())
        except ValueError as exc:
            problems.append(f"{where}: schedule is not valid: {exc}")
        if campaign.audience.region and library.region(campaign.audience.region) is None:
            problems.append(f"{where}: region {campaign.audience.region!r} does not exist")
        button = campaign.button
        if (
            button is not None
            and button.kind is ButtonKind.TOPIC
            and button.target not in topic_ids
        ):
            problems.append(f"{where}: topic {button.target!r} does not exist")
        if button is not None and button.kind is ButtonKind.QUIZ and button.target not in quiz_ids:
            problems.append(f"{where}: quiz {button.target!r} does not exist")
    return problems


def load_library(directory: Path = CONTENT_DIR) -> Library:
    """Load every content file; raise ContentError listing all problems found."""
    problems: list[str] = []
    loaded: dict[str, Any] = {}
    phones = _phones(directory)
    for key, name, model in (
        ("topics", "topics.yaml", TopicsFile),
        ("quizzes", "quizzes.yaml", QuizzesFile),
        ("help", "help.yaml", HelpFile),
        ("regions", "regions.yaml", RegionsFile),
        ("campaigns", "campaigns.yaml", CampaignsFile),
        ("simulations", "simulations.yaml", SimulationsFile),
        ("evaluation", "evaluation.yaml", EvaluationFile),
        ("courses", "courses.yaml", CoursesFile),
    ):
        try:
            loaded[key] = _load_file(directory / name, model, phones)
        except ContentError as exc:
            problems += exc.problems
    if problems:
        raise ContentError(problems)
    library = Library(
        topics=loaded["topics"].topics,
        quizzes=loaded["quizzes"].quizzes,
        help=loaded["help"],
        regions=loaded["regions"].regions,
        campaigns=loaded["campaigns"].campaigns,
        simulations=loaded["simulations"].simulations,
        instruments=loaded["evaluation"].instruments,
        courses=loaded["courses"].courses,
    )
    problems = _cross_check(library, directory)
    if problems:
        raise ContentError(problems)
    return library
