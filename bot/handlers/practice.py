"""/practice: chat simulations, with the anonymous check before and after a first run."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.domain import Profile
from bot.keyboards.callbacks import (
    OpenScreen,
    PracticeAnswer,
    PracticeChoice,
    PracticeList,
    Screen,
    StartPractice,
)
from bot.keyboards.practice import replies_keyboard, run_end_keyboard
from bot.screens.common import show
from bot.screens.practice import (
    ask_check,
    check_goes_on,
    chosen_text,
    intro_text,
    persona_lines,
    play_lines,
    practice_list_screen,
    summary_text,
)
from bot.services.content import Library
from bot.services.content.models import Simulation
from bot.services.practice import PracticeService, Step
from bot.states import SKIP_THE_CHECK, Practice, PracticeRun


async def practice_command(message: Message, profile: Profile, library: Library) -> None:
    await show(message, *practice_list_screen(library, profile.role, profile.language, False))


async def practice_button(callback: CallbackQuery, profile: Profile, library: Library) -> None:
    await show(callback, *practice_list_screen(library, profile.role, profile.language, False))


async def practice_list(
    callback: CallbackQuery, callback_data: PracticeList, profile: Profile, library: Library
) -> None:
    more = callback_data.more
    await show(callback, *practice_list_screen(library, profile.role, profile.language, more))


async def start_practice(
    callback: CallbackQuery,
    callback_data: StartPractice,
    state: FSMContext,
    profile: Profile,
    practice: PracticeService,
    library: Library,
    bot: Bot,
    features: Sequence[Screen],
) -> None:
    simulation = library.simulation(callback_data.simulation)
    if simulation is None:
        await callback.answer(_("This situation is no longer available."), show_alert=True)
        return
    run = PracticeRun(simulation=simulation.id, later=await practice.begin(profile, simulation))
    await show(callback, intro_text(simulation, profile.language))
    if run.later:  # the check is asked around a person's first run only
        await _play_step(bot, profile, state, run, simulation, practice, features)
        return
    instrument, language = practice.instrument_of(simulation), profile.language
    await ask_check(bot, profile.chat_id, state, Practice.check, run, instrument, "pre", language)


async def answer_check(
    callback: CallbackQuery,
    callback_data: PracticeAnswer,
    state: FSMContext,
    profile: Profile,
    practice: PracticeService,
    library: Library,
    bot: Bot,
    features: Sequence[Screen],
) -> None:
    run = await PracticeRun.load(state)
    simulation = library.simulation(run.simulation) if run is not None else None
    if run is None or simulation is None or callback_data.item != run.item:
        await callback.answer(_("This button is out of date."), show_alert=True)
        return
    instrument = practice.instrument_of(simulation)
    if await check_goes_on(callback, state, run, instrument, callback_data.value, profile.language):
        return
    if callback_data.value != SKIP_THE_CHECK:
        await practice.answered(profile, instrument, simulation.id, run.phase, run.answers)
    await show(callback, _("Thank you!") if callback_data.value else _("Skipped."))
    if run.phase == "pre":
        run.start("pre")  # the answers leave the conversation once counted
        await _play_step(bot, profile, state, run, simulation, practice, features)
    else:
        await _the_end(bot, profile, state, simulation, features)


async def choose_reply(
    callback: CallbackQuery,
    callback_data: PracticeChoice,
    state: FSMContext,
    profile: Profile,
    practice: PracticeService,
    library: Library,
    bot: Bot,
    features: Sequence[Screen],
) -> None:
    run = await PracticeRun.load(state)
    simulation = library.simulation(callback_data.simulation)
    step = simulation.step(callback_data.step) if simulation is not None else None
    if (
        run is None
        or simulation is None
        or step is None
        or run.simulation != simulation.id
        or (run.step != callback_data.step or callback_data.choice >= len(step.choices))
    ):
        await callback.answer(_("This button is out of date."), show_alert=True)
        return
    choice = step.choices[callback_data.choice]
    run.path.append((callback_data.step, callback_data.choice))
    run.step = simulation.index_of(choice.next)
    await run.save(state)  # before anything is awaited: a second press finds it moved on
    if isinstance(callback.message, Message):
        original = callback.message.html_text
        await show(callback, chosen_text(original, choice.text.get(profile.language)))
    await _play_step(bot, profile, state, run, simulation, practice, features)


async def _play_step(
    bot: Bot,
    profile: Profile,
    state: FSMContext,
    run: PracticeRun,
    simulation: Simulation,
    practice: PracticeService,
    features: Sequence[Screen],
) -> None:
    """The step's lines with its replies; at an ending, the narrator's lines, then the rest
    (`_after_ending`)."""
    language = profile.language
    if not simulation.steps[run.step].is_ending:
        await state.set_state(Practice.chat)
        await run.save(state)
        markup = replies_keyboard(simulation, run.step, language)
        lines = persona_lines(simulation, run.step, language)
        await play_lines(bot, profile.chat_id, lines, markup, practice.typing_seconds)
        return
    await state.set_state(None)  # the chat is over: its old buttons are out of date
    lines = persona_lines(simulation, run.step, language)
    await play_lines(bot, profile.chat_id, lines, None, practice.typing_seconds)
    await _after_ending(bot, profile, state, run, simulation, practice, features)


async def _after_ending(
    bot: Bot,
    profile: Profile,
    state: FSMContext,
    run: PracticeRun,
    simulation: Simulation,
    practice: PracticeService,
    features: Sequence[Screen],
) -> None:
    """Count the run and say what each answer did now: the choices need not wait in the
    conversation state (in cluster mode, Redis) while the check after is answered."""
    language = profile.language
    await practice.finish(profile, simulation, run.later, [_step(simulation, *p) for p in run.path])
    summary = summary_text(simulation, run.path, language)
    if run.later:
        await state.clear()
        end = run_end_keyboard(simulation, features)
        await bot.send_message(profile.chat_id, summary, reply_markup=end)
        return
    await bot.send_message(profile.chat_id, summary)
    run.path = []
    instrument = practice.instrument_of(simulation)
    await ask_check(bot, profile.chat_id, state, Practice.check, run, instrument, "post", language)


async def _the_end(
    bot: Bot,
    profile: Profile,
    state: FSMContext,
    simulation: Simulation,
    features: Sequence[Screen],
) -> None:
    await state.clear()
    await bot.send_message(
        profile.chat_id,
        _("Thank you! You can play it again, or choose another situation."),
        reply_markup=run_end_keyboard(simulation, features),
    )


async def typed_in_practice(message: Message) -> None:
    """Words typed during a simulation or its check: the replies are the buttons."""
    await message.answer(
        _("In practice you answer with the buttons under the last message. To leave, send /cancel.")
    )


def _step(simulation: Simulation, step_index: int, choice_index: int) -> Step:
    step = simulation.steps[step_index]
    choice = step.choices[choice_index]
    return Step(step.id, choice.id, choice.safe)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(practice_command, Command("practice"))
    router.callback_query.register(practice_button, OpenScreen.filter(F.screen == Screen.PRACTICE))
    router.callback_query.register(practice_list, PracticeList.filter())
    router.callback_query.register(start_practice, StartPractice.filter())
    router.callback_query.register(answer_check, PracticeAnswer.filter(), Practice.check)
    router.callback_query.register(choose_reply, PracticeChoice.filter(), Practice.chat)
    router.message.register(typed_in_practice, StateFilter(Practice), ~F.text.startswith("/"))
    return router
