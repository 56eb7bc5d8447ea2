"""Screens of /practice: the list of situations, the other person's messages arriving one at a
time like a chat, the anonymous check, and what each choice did at the end."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from html import escape

from aiogram import Bot
from aiogram.enums import ChatAction
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.domain import Language, Role
from bot.keyboards.practice import practice_list_keyboard, scale_keyboard
from bot.screens.common import show
from bot.services.content import Library
from bot.services.content.models import Instrument, Simulation
from bot.states import CheckProgress


def practice_list_screen(
    library: Library, role: Role | None, language: Language, more: bool
) -> tuple[str, InlineKeyboardMarkup]:
    """The reader's course (on their own list) and the situations to rehearse."""
    mine = library.simulations_for(role)
    course = None if more else library.course_for(role)
    shown = [s for s in library.simulations if s not in mine] if more else list(mine)
    head = (
        _("Situations for other readers:")
        if more
        else _(
            "🎭 Practice: rehearse a conversation before it happens in real life. The other "
            "person writes, you choose what to answer, and at the end you see what each answer "
            "did. Choose a situation:"
        )
    )
    lines = [head, ""]
    if course is not None:
        title = escape(course.title.get(language))
        lines += [
            _("{emoji} <b>Course: {title}</b>: short sessions every few days").format(
                emoji=course.emoji, title=title
            )
        ]
    lines += [f"{s.emoji} <b>{escape(s.title.get(language))}</b>" for s in shown]
    has_more = len(mine) < len(library.simulations)
    return "\n".join(lines), practice_list_keyboard(shown, course, language, more, has_more)


def intro_text(simulation: Simulation, language: Language) -> str:
    title = escape(simulation.title.get(language))
    return f"{simulation.emoji} <b>{title}</b>\n\n{escape(simulation.intro.get(language))}"


def check_question_text(
    instrument: Instrument, item_index: int, phase: str, language: Language
) -> str:
    item = instrument.items[item_index]
    # What the check is, said once, above its first question.
    head = (
        ""
        if item_index > 0
        else escape(instrument.intro.get(language))
        if phase == "pre"
        else _("Now the same questions once more, after the practice. Also anonymous.")
    )
    position = _("Question {number} of {total}").format(
        number=item_index + 1, total=len(instrument.items)
    )
    scale = f"1 — {escape(item.low.get(language))} … 5 — {escape(item.high.get(language))}"
    lines = [head, ""] if head else []
    lines += [f"<b>{position}.</b> {escape(item.question.get(language))}", "", scale]
    return "\n".join(lines)


def check_question(
    instrument: Instrument, item_index: int, phase: str, language: Language
) -> tuple[str, InlineKeyboardMarkup]:
    return check_question_text(instrument, item_index, phase, language), scale_keyboard(item_index)


# The check's steps, the same around a simulation and around a course (whose handlers may not
# import each other): where it is lives in the run's `CheckProgress`, under the caller's state.


async def ask_check(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    check_state: State,
    run: CheckProgress,
    instrument: Instrument,
    phase: str,
    language: Language,
) -> None:
    """Begin the check before or after (`phase`) with its first question, in a new message."""
    run.start(phase)
    await state.set_state(check_state)
    await run.save(state)
    text, markup = check_question(instrument, 0, phase, language)
    await bot.send_message(chat_id, text, reply_markup=markup)


async def check_goes_on(
    callback: CallbackQuery,
    state: FSMContext,
    run: CheckProgress,
    instrument: Instrument,
    value: int,
    language: Language,
) -> bool:
    """Note the answer to the question asked; True, with the next question shown in its
    place, while the check goes on; False once it is over (answered or skipped)."""
    if run.answer(instrument.items[run.item].id, value, len(instrument.items)):
        return False
    await run.save(state)
    await show(callback, *check_question(instrument, run.item, run.phase, language))
    return True


async def play_lines(
    bot: Bot,
    chat_id: int,
    lines: Sequence[str],
    last_markup: InlineKeyboardMarkup | None,
    pause: float,
) -> None:
    """Send `lines` one at a time after "typing…", the keyboard under the last one."""
    for number, line in enumerate(lines):
        if pause > 0:
            await bot.send_chat_action(chat_id, ChatAction.TYPING)
            await asyncio.sleep(pause)
        markup = last_markup if number == len(lines) - 1 else None
        await bot.send_message(chat_id, line, reply_markup=markup)


def persona_lines(simulation: Simulation, step_index: int, language: Language) -> list[str]:
    """The other person's messages of a step, each under their name; an ending's lines are
    the narrator's, who steps out of the role."""
    step = simulation.steps[step_index]
    texts = [escape(line.get(language)) for line in step.says]
    if step.is_ending:
        return [f"🎬 {text}" for text in texts]
    name = escape(simulation.persona.get(language))
    return [f"<b>{name}</b>\n{text}" for text in texts]


def chosen_text(original: str, reply: str) -> str:
    """The other person's message with the reply chosen under it (its buttons go)."""
    return f"{original}\n\n➡️ <i>{escape(reply)}</i>"


def summary_text(
    simulation: Simulation, path: Sequence[tuple[int, int]], language: Language
) -> str:
    """What each choice of the run did, and why: skills, not a score."""
    lines = [_("<b>What your answers did</b>"), ""]
    for step_index, choice_index in path:
        choice = simulation.steps[step_index].choices[choice_index]
        mark = "✅" if choice.safe else "⚠️"
        lines.append(f"{mark} <b>{escape(choice.text.get(language))}</b>")
        lines.append(escape(choice.why.get(language)))
        lines.append("")
    safe = sum(1 for s, c in path if simulation.steps[s].choices[c].safe)
    lines.append(
        _("Safe moves: {safe} of {total}. You can play it again and try other answers.").format(
            safe=safe, total=len(path)
        )
    )
    return "\n".join(lines)
