"""Keyboards of a course: its screen (start, next session, pause, resume, stop), a session's
choices, "said it", the question's options, and the end of a session."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.domain import Language
from bot.keyboards.builder import InlineKeyboard
from bot.keyboards.callbacks import (
    CourseAct,
    CourseAction,
    CourseAnswer,
    CourseChoose,
    CourseSaid,
    PracticeList,
)
from bot.keyboards.common import menu_button
from bot.services.content.models import Course
from bot.services.courses import CourseStatus, Progress

OPTION_LETTERS = "ABCDEFGHIJ"


def _act(course: Course, action: CourseAction) -> CourseAct:
    return CourseAct(course=course.id, action=action)


def course_keyboard(
    course: Course, progress: Progress | None, session_open: bool
) -> InlineKeyboardMarkup:
    """What can be done from where the person is in the course."""
    builder = InlineKeyboard()
    status = progress.status if progress is not None else None
    if status is None or status is CourseStatus.STOPPED:
        builder.button(text=_("▶️ Start the course"), callback_data=_act(course, CourseAction.START))
    elif status is CourseStatus.FINISHED:
        builder.button(text=_("🔁 Take it again"), callback_data=_act(course, CourseAction.START))
    elif status is CourseStatus.PAUSED:
        builder.button(
            text=_("▶️ Resume the course"), callback_data=_act(course, CourseAction.RESUME)
        )
    elif session_open and progress is not None:
        builder.button(
            text=_("▶️ Session {number}").format(number=progress.next_number),
            callback_data=_act(course, CourseAction.SESSION),
        )
    if status is CourseStatus.ACTIVE:
        builder.button(text=_("⏸ Pause the course"), callback_data=_act(course, CourseAction.PAUSE))
    if status in {CourseStatus.ACTIVE, CourseStatus.PAUSED}:
        builder.button(text=_("⛔ Stop the course"), callback_data=_act(course, CourseAction.STOP))
    builder.button(text=_("🎭 Practice"), callback_data=PracticeList(more=False))
    builder.adjust(1)
    builder.row(menu_button())
    return builder.as_markup()


def reminder_keyboard(course: Course) -> InlineKeyboardMarkup:
    """Under a reminder: open the course, or stop it in one tap."""
    builder = InlineKeyboard()
    builder.button(text=_("▶️ Open the course"), callback_data=_act(course, CourseAction.OPEN))
    builder.button(text=_("⛔ Stop the course"), callback_data=_act(course, CourseAction.STOP))
    builder.adjust(1)
    return builder.as_markup()


def choices_keyboard(course: Course, number: int, language: Language) -> InlineKeyboardMarkup:
    session = course.sessions[number - 1]
    builder = InlineKeyboard()
    for position, choice in enumerate(session.choices):
        builder.button(
            text=choice.text.get(language),
            callback_data=CourseChoose(course=course.id, session=number, choice=position),
        )
    builder.adjust(1)
    return builder.as_markup()


def said_keyboard(course: Course, number: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(text=_("✅ Said it"), callback_data=CourseSaid(course=course.id, session=number))
    return builder.as_markup()


def options_keyboard(course: Course, number: int) -> InlineKeyboardMarkup:
    """One letter a button: the options themselves are in the message, where a phone shows
    them whole (a long button label is cut)."""
    options = course.sessions[number - 1].question.options
    builder = InlineKeyboard()
    for position in range(len(options)):
        builder.button(
            text=OPTION_LETTERS[position],
            callback_data=CourseAnswer(course=course.id, session=number, option=position),
        )
    builder.adjust(len(options))
    return builder.as_markup()


def session_done_keyboard(course: Course) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(text=_("⏸ Pause the course"), callback_data=_act(course, CourseAction.PAUSE))
    builder.button(text=_("⛔ Stop the course"), callback_data=_act(course, CourseAction.STOP))
    builder.button(text=_("🎭 Practice"), callback_data=PracticeList(more=False))
    builder.adjust(1)
    builder.row(menu_button())
    return builder.as_markup()
