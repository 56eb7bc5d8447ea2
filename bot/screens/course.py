"""Screens of a course: where the person is, a session's four parts (situation, what the choice
did, a line to say, a question) and its end."""

from __future__ import annotations

import datetime as dt
from html import escape

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from babel.dates import format_date

from bot.domain import Language
from bot.keyboards.course import (
    OPTION_LETTERS,
    choices_keyboard,
    course_keyboard,
    options_keyboard,
    said_keyboard,
    session_done_keyboard,
)
from bot.services.content.models import Course
from bot.services.courses import CourseStatus, Progress


def day_name(day: dt.date, language: Language) -> str:
    """ "8 December, Tuesday", in the reader's language (Babel, as CONTENT.md asks)."""
    return format_date(day, "d MMMM (EEEE)", locale=language.value)


def course_title(course: Course, language: Language) -> str:
    return f"{course.emoji} <b>{escape(course.title.get(language))}</b>"


def _where(progress: Progress | None, today: dt.date, language: Language) -> str:
    if progress is None:
        return ""
    total, number = progress.total, progress.next_number
    if progress.status is CourseStatus.FINISHED:
        return _("🎓 The course is finished. It can be taken again at any time.")
    if progress.status is CourseStatus.STOPPED:
        return _("The course is stopped: no sessions and no reminders. It can be started again.")
    if progress.status is CourseStatus.PAUSED:
        return _(
            "⏸ Paused before session {number} of {total}. No reminders until it resumes."
        ).format(number=number, total=total)
    if progress.is_open(today):
        return _("Session {number} of {total} is ready: {title}.").format(
            number=number,
            total=total,
            title=escape(progress.course.sessions[number - 1].title.get(language)),
        )
    return _("Session {number} of {total} opens on {day}. A reminder will come.").format(
        number=number, total=total, day=day_name(progress.opens_on, language)
    )


def course_screen(
    course: Course, progress: Progress | None, today: dt.date, language: Language
) -> tuple[str, InlineKeyboardMarkup]:
    """The course's intro, then where the person is in it, with what they can do."""
    lines = [course_title(course, language), "", escape(course.intro.get(language))]
    where = _where(progress, today, language)
    if where:
        lines += ["", where]
    session_open = progress is not None and progress.is_open(today)
    return "\n".join(lines), course_keyboard(course, progress, session_open)


def situation_screen(
    course: Course, number: int, language: Language
) -> tuple[str, InlineKeyboardMarkup]:
    session = course.sessions[number - 1]
    head = _("Session {number} of {total}").format(number=number, total=len(course.sessions))
    title = escape(session.title.get(language))
    text = f"{course.emoji} <b>{head} · {title}</b>\n\n{escape(session.situation.get(language))}"
    return text, choices_keyboard(course, number, language)


def chosen_text(original: str, course: Course, number: int, choice: int, language: Language) -> str:
    """The situation with the choice under it, and what that choice does, at once."""
    picked = course.sessions[number - 1].choices[choice]
    mark = "✅" if picked.safe else "⚠️"
    reply = escape(picked.text.get(language))
    return f"{original}\n\n➡️ <i>{reply}</i>\n\n{mark} {escape(picked.why.get(language))}"


def line_screen(
    course: Course, number: int, language: Language
) -> tuple[str, InlineKeyboardMarkup]:
    line = escape(course.sessions[number - 1].line.get(language))
    text = _("🗣 <b>A line to practise</b>\n\n{line}\n\nNothing you type here is kept.").format(
        line=line
    )
    return text, said_keyboard(course, number)


def question_screen(
    course: Course, number: int, language: Language
) -> tuple[str, InlineKeyboardMarkup]:
    question = course.sessions[number - 1].question
    lines = [_("❓ <b>One question</b>"), "", escape(question.question.get(language)), ""]
    lines += [
        f"{OPTION_LETTERS[n]}. {escape(option.get(language))}"
        for n, option in enumerate(question.options)
    ]
    return "\n".join(lines), options_keyboard(course, number)


def answered_text(
    original: str, course: Course, number: int, option: int, language: Language
) -> str:
    question = course.sessions[number - 1].question
    verdict = (
        _("✅ Right.")
        if option == question.correct
        else _("❌ Not quite: the answer is {letter}.").format(
            letter=OPTION_LETTERS[question.correct]
        )
    )
    picked = _("Answer chosen: {letter}").format(letter=OPTION_LETTERS[option])
    explanation = escape(question.explanation.get(language))
    return f"{original}\n\n<i>{picked}</i>\n{verdict} {explanation}"


def session_done_screen(progress: Progress, language: Language) -> tuple[str, InlineKeyboardMarkup]:
    text = _(
        "💪 Session {done} of {total} is done. The next one opens on {day}: spaced out, practice"
        " sticks better than all at once. A reminder will come (never at night)."
    ).format(done=progress.done, total=progress.total, day=day_name(progress.opens_on, language))
    return text, session_done_keyboard(progress.course)


def finished_text(course: Course, language: Language) -> str:
    return _(
        "🎓 The course «{title}» is finished. Thank you! The lines of the sessions work best"
        " said in one's own words. No more reminders will come."
    ).format(title=escape(course.title.get(language)))
