"""Keyboards of /practice: the list of situations, a simulation's replies, the check's scale,
and the end of a run."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.domain import Language
from bot.keyboards.builder import InlineKeyboard
from bot.keyboards.callbacks import (
    CourseAct,
    CourseAction,
    OpenScreen,
    PracticeAnswer,
    PracticeChoice,
    PracticeList,
    Screen,
    StartPractice,
)
from bot.keyboards.common import menu_button
from bot.services.content.models import Course, Simulation
from bot.states import SKIP_THE_CHECK


def practice_list_keyboard(
    simulations: Sequence[Simulation],
    course: Course | None,
    language: Language,
    more: bool,
    has_more: bool,
) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    if course is not None:
        builder.button(
            text=f"{course.emoji} {course.title.get(language)}",
            callback_data=CourseAct(course=course.id, action=CourseAction.OPEN),
        )
    for simulation in simulations:
        builder.button(
            text=f"{simulation.emoji} {simulation.title.get(language)}",
            callback_data=StartPractice(simulation=simulation.id),
        )
    builder.adjust(1)
    if has_more:
        other = _("⬅️ My situations") if more else _("👀 Situations for others")
        builder.row(
            InlineKeyboardButton(text=other, callback_data=PracticeList(more=not more).pack())
        )
    builder.row(menu_button())
    return builder.as_markup()


def replies_keyboard(
    simulation: Simulation, step_index: int, language: Language
) -> InlineKeyboardMarkup:
    step = simulation.steps[step_index]
    builder = InlineKeyboard()
    for number, choice in enumerate(step.choices):
        builder.button(
            text=choice.text.get(language),
            callback_data=PracticeChoice(simulation=simulation.id, step=step_index, choice=number),
        )
    builder.adjust(1)
    return builder.as_markup()


def scale_keyboard(item: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for value in range(1, 6):
        builder.button(text=str(value), callback_data=PracticeAnswer(item=item, value=value))
    builder.adjust(5)
    builder.row(
        InlineKeyboardButton(
            text=_("Skip ➡️"),
            callback_data=PracticeAnswer(item=item, value=SKIP_THE_CHECK).pack(),
        )
    )
    return builder.as_markup()


def run_end_keyboard(simulation: Simulation, features: Sequence[Screen]) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(text=_("🔁 Try again"), callback_data=StartPractice(simulation=simulation.id))
    if simulation.offer_report and Screen.REPORT in features:
        builder.button(
            text=_("🕵️ Report anonymously"), callback_data=OpenScreen(screen=Screen.REPORT)
        )
    if Screen.HELP in features:
        builder.button(text=_("🆘 Get help now"), callback_data=OpenScreen(screen=Screen.HELP))
    builder.button(text=_("🎭 Other situations"), callback_data=PracticeList(more=False))
    builder.adjust(1)
    builder.row(menu_button())
    return builder.as_markup()
