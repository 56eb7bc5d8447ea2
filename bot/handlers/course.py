"""A course in /practice: its screen (start, next session, pause, resume, stop, also from a
reminder), a session's four parts, and the anonymous check before and after the course."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.domain import Profile
from bot.keyboards.callbacks import (
    CourseAct,
    CourseAction,
    CourseAnswer,
    CourseChoose,
    CourseSaid,
    PracticeAnswer,
)
from bot.screens.common import show
from bot.screens.course import (
    answered_text,
    chosen_text,
    course_screen,
    finished_text,
    line_screen,
    question_screen,
    session_done_screen,
    situation_screen,
)
from bot.screens.practice import ask_check, check_goes_on, check_question
from bot.services.content.models import Course
from bot.services.courses import CourseService, CourseStateError, CourseStatus, Progress
from bot.states import SKIP_THE_CHECK, CourseFlow, CourseRun


async def open_course(
    callback: CallbackQuery, callback_data: CourseAct, profile: Profile, courses: CourseService
) -> None:
    if (course := await _known(callback, courses, callback_data.course)) is None:
        return
    progress = await courses.progress(profile, course)
    await show(callback, *course_screen(course, progress, courses.today(), profile.language))


async def start_course(
    callback: CallbackQuery,
    callback_data: CourseAct,
    state: FSMContext,
    profile: Profile,
    courses: CourseService,
) -> None:
    if (course := await _known(callback, courses, callback_data.course)) is None:
        return
    try:
        progress, first_time = await courses.enrol(profile, course)
    except CourseStateError as exc:
        await _refused(callback, courses, profile, course, exc.progress)
        return
    if not first_time:  # the check is asked around a person's first time only
        await _begin(callback, state, profile, course, progress)
        return
    await state.set_state(CourseFlow.check)
    await CourseRun(course=course.id).save(state)
    await show(callback, *check_question(courses.instrument_of(course), 0, "pre", profile.language))


async def begin_session(
    callback: CallbackQuery,
    callback_data: CourseAct,
    state: FSMContext,
    profile: Profile,
    courses: CourseService,
) -> None:
    if (course := await _known(callback, courses, callback_data.course)) is None:
        return
    try:
        progress = await courses.open_session(profile, course)
    except CourseStateError as exc:
        await _refused(callback, courses, profile, course, exc.progress)
        return
    await _begin(callback, state, profile, course, progress)


async def change_course(
    callback: CallbackQuery,
    callback_data: CourseAct,
    state: FSMContext,
    profile: Profile,
    courses: CourseService,
) -> None:
    """Pause, resume or stop: the course's screen shows where it now is."""
    if (course := await _known(callback, courses, callback_data.course)) is None:
        return
    change = {
        CourseAction.PAUSE: courses.pause,
        CourseAction.RESUME: courses.resume,
        CourseAction.STOP: courses.stop,
    }[callback_data.action]
    try:
        progress = await change(profile, course)
    except CourseStateError as exc:
        await _refused(callback, courses, profile, course, exc.progress)
        return
    if (await CourseRun.load(state)) is not None:
        await state.clear()  # a session left half-way is over
    await show(callback, *course_screen(course, progress, courses.today(), profile.language))


async def choose(
    callback: CallbackQuery,
    callback_data: CourseChoose,
    state: FSMContext,
    profile: Profile,
    courses: CourseService,
    bot: Bot,
) -> None:
    run, course = await _current(state, courses, callback_data.course, callback_data.session)
    if run is None or course is None or run.choice is not None:
        await stale_session_button(callback)
        return
    if callback_data.choice >= len(course.sessions[run.session - 1].choices):
        await stale_session_button(callback)
        return
    run.choice = callback_data.choice
    await state.set_state(CourseFlow.line)
    await run.save(state)  # before anything is awaited: a second press finds it moved on
    if isinstance(callback.message, Message):
        language, original = profile.language, callback.message.html_text
        await show(callback, chosen_text(original, course, run.session, run.choice, language))
    text, markup = line_screen(course, run.session, profile.language)
    await bot.send_message(profile.chat_id, text, reply_markup=markup)


async def said(
    callback: CallbackQuery,
    callback_data: CourseSaid,
    state: FSMContext,
    profile: Profile,
    courses: CourseService,
    bot: Bot,
) -> None:
    run, course = await _current(state, courses, callback_data.course, callback_data.session)
    if run is None or course is None:
        await stale_session_button(callback)
        return
    if isinstance(callback.message, Message):
        await show(callback, f"{callback.message.html_text}\n\n✅")
    await _ask(bot, state, profile, course, run)


async def typed_line(
    message: Message, state: FSMContext, profile: Profile, courses: CourseService, bot: Bot
) -> None:
    """The line typed in one's own words counts as said; it is answered, never kept."""
    run = await CourseRun.load(state)
    course = courses.course(run.course) if run is not None else None
    if run is None or course is None:
        await state.clear()
        await message.answer(_("This session is over. Open the course in /practice to go on."))
        return
    await message.answer(_("👍 Good: said in one's own words, a line is remembered better."))
    await _ask(bot, state, profile, course, run)


async def answer(
    callback: CallbackQuery,
    callback_data: CourseAnswer,
    state: FSMContext,
    profile: Profile,
    courses: CourseService,
    bot: Bot,
) -> None:
    run, course = await _current(state, courses, callback_data.course, callback_data.session)
    options = len(course.sessions[run.session - 1].question.options) if course and run else 0
    if run is None or course is None or run.choice is None or callback_data.option >= options:
        await stale_session_button(callback)
        return
    try:
        progress = await courses.session_done(
            profile, course, run.session, run.choice, callback_data.option
        )
    except CourseStateError:
        await state.clear()
        await callback.answer(_("This session is already done."), show_alert=True)
        return
    if isinstance(callback.message, Message):
        original, language = callback.message.html_text, profile.language
        await show(
            callback, answered_text(original, course, run.session, callback_data.option, language)
        )
    if progress.status is CourseStatus.FINISHED:
        await _course_end(bot, state, profile, courses, progress)
        return
    await state.clear()
    text, markup = session_done_screen(progress, profile.language)
    await bot.send_message(profile.chat_id, text, reply_markup=markup)


async def answer_check(
    callback: CallbackQuery,
    callback_data: PracticeAnswer,
    state: FSMContext,
    profile: Profile,
    courses: CourseService,
) -> None:
    run = await CourseRun.load(state)
    course = courses.course(run.course) if run is not None else None
    if run is None or course is None or callback_data.item != run.item:
        await stale_session_button(callback)
        return
    instrument = courses.instrument_of(course)
    if await check_goes_on(callback, state, run, instrument, callback_data.value, profile.language):
        return
    if callback_data.value != SKIP_THE_CHECK:
        await courses.answered(profile, course, run.phase, run.answers)
    await _after_check(callback, state, profile, courses, course, run.phase)


async def stale_session_button(callback: CallbackQuery) -> None:
    """A part of a session pressed after it moved on, or after the session ended."""
    await callback.answer(
        _("This part of the session is over. Open the course in /practice to go on."),
        show_alert=True,
    )


async def typed_in_course(message: Message) -> None:
    await message.answer(
        _(
            "In a session, answers are given with the buttons under the last message. To leave,"
            " send /cancel."
        )
    )


# --- steps shared by the handlers above ---------------------------------------------------


async def _known(callback: CallbackQuery, courses: CourseService, course_id: str) -> Course | None:
    """The course a button names; None, answered, if the content no longer has it."""
    course = courses.course(course_id)
    if course is None:
        await callback.answer(_("This course is no longer available."), show_alert=True)
    return course


async def _current(
    state: FSMContext, courses: CourseService, course_id: str, session: int
) -> tuple[CourseRun | None, Course | None]:
    """The session in progress, if the button belongs to it."""
    run = await CourseRun.load(state)
    if run is None or run.course != course_id or run.session != session:
        return None, None
    return run, courses.course(course_id)


async def _begin(
    callback: CallbackQuery, state: FSMContext, profile: Profile, course: Course, progress: Progress
) -> None:
    run = CourseRun(course=course.id, session=progress.next_number)
    await state.set_state(CourseFlow.situation)
    await run.save(state)
    await show(callback, *situation_screen(course, run.session, profile.language))


async def _ask(
    bot: Bot, state: FSMContext, profile: Profile, course: Course, run: CourseRun
) -> None:
    await state.set_state(CourseFlow.question)
    text, markup = question_screen(course, run.session, profile.language)
    await bot.send_message(profile.chat_id, text, reply_markup=markup)


async def _course_end(
    bot: Bot, state: FSMContext, profile: Profile, courses: CourseService, progress: Progress
) -> None:
    """The check after a first time through the course; a retake ends at once."""
    course = progress.course
    if progress.retake:
        await state.clear()
        _, markup = course_screen(course, progress, courses.today(), profile.language)
        text = finished_text(course, profile.language)
        await bot.send_message(profile.chat_id, text, reply_markup=markup)
        return
    run, instrument = CourseRun(course=course.id), courses.instrument_of(course)
    chat_id, language = profile.chat_id, profile.language
    await ask_check(bot, chat_id, state, CourseFlow.check, run, instrument, "post", language)


async def _after_check(
    callback: CallbackQuery,
    state: FSMContext,
    profile: Profile,
    courses: CourseService,
    course: Course,
    phase: str,
) -> None:
    """Before the course: its first session; after it: the end."""
    if phase == "post":
        await state.clear()
        progress = await courses.progress(profile, course)
        _, markup = course_screen(course, progress, courses.today(), profile.language)
        await show(callback, finished_text(course, profile.language), markup)
        return
    try:
        progress = await courses.open_session(profile, course)
    except CourseStateError as exc:  # stopped from a reminder meanwhile
        await state.clear()
        await _refused(callback, courses, profile, course, exc.progress)
        return
    await _begin(callback, state, profile, course, progress)


async def _refused(
    callback: CallbackQuery,
    courses: CourseService,
    profile: Profile,
    course: Course,
    progress: Progress | None,
) -> None:
    """An action that no longer applies (an old button): say where the course really is."""
    alerts = {
        None: _("The course has not been started."),
        CourseStatus.ACTIVE: _("The course is already running."),
        CourseStatus.PAUSED: _("The course is paused: resume it first."),
        CourseStatus.STOPPED: _("The course is stopped: no reminders will come."),
        CourseStatus.FINISHED: _("The course is already finished: no reminders will come."),
    }
    alert = alerts[progress.status if progress is not None else None]
    if (
        progress is not None
        and progress.status is CourseStatus.ACTIVE
        and not progress.is_open(courses.today())
    ):
        alert = _("The next session is not open yet.")
    screen = course_screen(course, progress, courses.today(), profile.language)
    await show(callback, *screen, alert=alert)


def create_router() -> Router:
    router = Router(name=__name__)
    act = CourseAct.filter
    router.callback_query.register(open_course, act(F.action == CourseAction.OPEN))
    router.callback_query.register(start_course, act(F.action == CourseAction.START))
    router.callback_query.register(begin_session, act(F.action == CourseAction.SESSION))
    router.callback_query.register(change_course, act())
    router.callback_query.register(choose, CourseChoose.filter(), CourseFlow.situation)
    router.callback_query.register(said, CourseSaid.filter(), CourseFlow.line)
    router.callback_query.register(answer, CourseAnswer.filter(), CourseFlow.question)
    router.callback_query.register(answer_check, PracticeAnswer.filter(), CourseFlow.check)
    for part in (CourseChoose, CourseSaid, CourseAnswer):
        router.callback_query.register(stale_session_button, part.filter())
    router.message.register(typed_line, CourseFlow.line, F.text, ~F.text.startswith("/"))
    router.message.register(typed_in_course, StateFilter(CourseFlow), ~F.text.startswith("/"))
    return router
