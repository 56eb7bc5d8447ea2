"""/status CODE: a reporter follows their tip with the receipt code, and nothing else: its
history (status changes, the moderators' replies and questions, their own answers), and an
answer to each open question.

Only wrong codes count towards the guessing limit (in memory, per chat): a code has 80 random
bits, the limit only stops pestering. A chat that showed a valid code may answer that tip's
questions for 30 idle minutes (FollowUpAccess, in memory only).
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.inputs import PhotoUnreadableError, download_photo
from bot.keyboards.callbacks import AnswerQuestion
from bot.keyboards.report import answer_keyboard
from bot.notifier import TipNotifier
from bot.screens.common import show
from bot.screens.tip_card import answer_prompt, answer_thanks, receipt_again, reporter_history
from bot.services.follow_ups import FollowUpAccess
from bot.services.limits import AttemptLimit
from bot.services.tips import QuestionClosedError, TipNotFoundError, TipService, open_questions
from bot.states import AnswerForm


async def status_command(
    message: Message,
    command: CommandObject,
    tips: TipService,
    receipt_guesses: AttemptLimit,
    follow_ups: FollowUpAccess,
) -> None:
    if not command.args:
        await message.answer(
            _("Send /status and your receipt code, for example: /status ABCD-EFGH-JKMN-PQRS")
        )
        return
    if await receipt_guesses.exhausted(message.chat.id):
        await message.answer(_("Too many tries. Please wait an hour and try again."))
        return
    view = await tips.by_receipt(command.args)
    if view is None:
        await receipt_guesses.allow(message.chat.id)  # a wrong code counts; a right one never does
        await message.answer(_("No report has this code. Check it and try again."))
        return
    await follow_ups.grant(message.chat.id, view.tip.id)
    questions = [(q.id, q.text or "") for q in open_questions(view.events)]
    await message.answer(reporter_history(view), reply_markup=answer_keyboard(questions))


async def start_answer(
    callback: CallbackQuery,
    callback_data: AnswerQuestion,
    tips: TipService,
    follow_ups: FollowUpAccess,
    state: FSMContext,
) -> None:
    tip_id = await follow_ups.tip(callback.from_user.id)
    try:
        if tip_id is None:
            raise TipNotFoundError(callback_data.question)
        question = await tips.question(tip_id, callback_data.question)
    except QuestionClosedError:
        await callback.answer(_("This question is already answered."), show_alert=True)
        return
    except TipNotFoundError:  # no receipt shown lately, or the one shown was another report's
        await callback.answer(receipt_again(), show_alert=True)
        return
    await state.set_state(AnswerForm.text)
    await state.set_data({"question": question.id})
    await show(callback, answer_prompt(question))


async def receive_answer(
    message: Message,
    state: FSMContext,
    tips: TipService,
    follow_ups: FollowUpAccess,
    notifier: TipNotifier,
    bot: Bot,
) -> None:
    question_id = int((await state.get_data()).get("question", 0))
    tip_id = await follow_ups.tip(message.chat.id)
    text = (message.text or message.caption or "").strip()
    if tip_id is None:  # the receipt was shown more than 30 idle minutes ago
        await state.clear()
        await message.answer(receipt_again())
        return
    if not text:
        await answer_unsupported(message)
        return
    try:
        photo = await download_photo(message, bot)
        answer = await tips.answer(tip_id, question_id, text, [photo.jpeg] if photo else [])
    except PhotoUnreadableError:
        await message.answer(_("I couldn't open this photo. Please send it again."))
        return
    except QuestionClosedError:
        await message.answer(_("This question is already answered."))
        answer = None
    await state.clear()
    if answer is not None:
        notifier.answer_received(tip_id, answer.id)
        await message.answer(answer_thanks())


async def answer_unsupported(message: Message) -> None:
    await message.answer(_("Please write the answer in words; a photo may come with it."))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(status_command, Command("status"))
    router.callback_query.register(start_answer, AnswerQuestion.filter())
    answer = (F.text & ~F.text.startswith("/")) | F.photo
    router.message.register(receive_answer, AnswerForm.text, answer)
    router.message.register(answer_unsupported, AnswerForm.text, ~F.text)
    return router
