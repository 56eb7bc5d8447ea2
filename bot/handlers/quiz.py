"""“Quiz”: quiz lists, native quiz polls one question at a time, and the score at the end."""

from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InputPollOption, Message, PollAnswer
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.domain import Language, Profile
from bot.keyboards.callbacks import OpenScreen, QuizList, Screen, StartQuiz
from bot.keyboards.learning import quiz_list_keyboard, quiz_result_keyboard
from bot.screens.common import show
from bot.services.content import Library
from bot.services.learning import LearningService, QuizProgress, QuizResult, QuizStep


def _progress_line(progress: QuizProgress | None, total: int) -> str:
    if progress is None:
        return _("not taken yet")
    return _("best {best}/{total}, last {latest}/{total}").format(
        best=progress.best, latest=progress.latest, total=total
    )


async def show_quiz_list(
    target: Message | CallbackQuery,
    profile: Profile,
    library: Library,
    learning: LearningService,
    more: bool,
) -> None:
    mine = library.quizzes_for(profile.role)
    quizzes = [q for q in library.quizzes if q not in mine] if more else list(mine)
    progress = await learning.progress(profile.chat_id)
    language = profile.language
    lines = [_("Quizzes for other readers:") if more else _("Choose a quiz:"), ""]
    lines += [
        f"{q.emoji} <b>{escape(q.title.get(language))}</b> — "
        f"{_progress_line(progress.get(q.id), len(q.questions))}"
        for q in quizzes
    ]
    has_more = len(mine) < len(library.quizzes)
    await show(target, "\n".join(lines), quiz_list_keyboard(quizzes, language, more, has_more))


async def quiz_command(
    message: Message, profile: Profile, library: Library, learning: LearningService
) -> None:
    await show_quiz_list(message, profile, library, learning, more=False)


async def quiz_button(
    callback: CallbackQuery, profile: Profile, library: Library, learning: LearningService
) -> None:
    await show_quiz_list(callback, profile, library, learning, more=False)


async def quiz_list(
    callback: CallbackQuery,
    callback_data: QuizList,
    profile: Profile,
    library: Library,
    learning: LearningService,
) -> None:
    await show_quiz_list(callback, profile, library, learning, more=callback_data.more)


async def send_question(
    bot: Bot, chat_id: int, step: QuizStep, language: Language, learning: LearningService
) -> None:
    question = step.quiz.questions[step.question_index]
    position = f"({step.question_index + 1}/{len(step.quiz.questions)}) "
    message = await bot.send_poll(
        chat_id=chat_id,
        question=escape(position + question.question.get(language)),
        options=[InputPollOption(text=escape(option.get(language))) for option in question.options],
        type="quiz",
        correct_option_ids=[question.correct],
        # Each person sees the options in an order of their own (answers keep the file's
        # numbering), so the right one's place says nothing.
        shuffle_options=True,
        explanation=escape(question.explanation.get(language)),
        is_anonymous=False,
    )
    if message.poll is not None:
        await learning.register_poll(message.poll.id, step)


async def start_quiz(
    callback: CallbackQuery,
    callback_data: StartQuiz,
    profile: Profile,
    learning: LearningService,
    bot: Bot,
) -> None:
    step = await learning.start_quiz(profile.chat_id, callback_data.quiz)
    title = escape(step.quiz.title.get(profile.language))
    intro = escape(step.quiz.intro.get(profile.language))
    await show(callback, f"{step.quiz.emoji} <b>{title}</b>\n\n{intro}")
    await send_question(bot, profile.chat_id, step, profile.language, learning)


def result_text(result: QuizResult, language: Language) -> str:
    score = ngettext(
        "You answered {score} of {total} question correctly.",
        "You answered {score} of {total} questions correctly.",
        result.total,
    ).format(score=result.score, total=result.total)
    if result.score == result.total:
        verdict = _("Excellent! You know how to protect yourself and your friends.")
    elif result.wrong_topics:
        verdict = _("Good work! These topics explain the questions that were tricky:")
    else:
        verdict = _("Thanks for taking the quiz!")
    title = escape(result.quiz.title.get(language))
    return f"{result.quiz.emoji} <b>{title}</b>\n\n{score}\n{verdict}"


async def poll_answer(
    answer: PollAnswer,
    profile: Profile | None,
    library: Library,
    learning: LearningService,
    bot: Bot,
) -> None:
    if profile is None:
        return  # a poll answer from someone the bot no longer knows: nothing to continue
    outcome = await learning.answer(answer.poll_id, profile.chat_id, answer.option_ids)
    if isinstance(outcome, QuizStep):
        await send_question(bot, profile.chat_id, outcome, profile.language, learning)
    elif isinstance(outcome, QuizResult):
        topics = [t for t in map(library.topic, outcome.wrong_topics) if t is not None]
        await bot.send_message(
            profile.chat_id,
            result_text(outcome, profile.language),
            reply_markup=quiz_result_keyboard(outcome.quiz, topics, profile.language),
        )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(quiz_command, Command("quiz"))
    router.callback_query.register(quiz_button, OpenScreen.filter(F.screen == Screen.QUIZ))
    router.callback_query.register(quiz_list, QuizList.filter())
    router.callback_query.register(start_quiz, StartQuiz.filter())
    router.poll_answer.register(poll_answer)
    return router
