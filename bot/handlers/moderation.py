"""Moderators act on a tip card: change its status, add an internal note, reply to the
reporter or ask them a question, read the tip's history.

A note, reply or question is written as a reply to the bot's prompt, so that the next message
in a busy group is not taken by mistake; a reply or question is shown as a preview with
Confirm / Edit / Cancel before the reporter can read it. Every action re-checks the role and
the region when it executes, and lands on the audit trail (in TipService).
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.exceptions import TelegramForbiddenError
from aiogram.filters import Command, Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, ForceReply, Message
from aiogram.utils.i18n import gettext as _

from bot.config import Settings
from bot.domain import EventKind, Language
from bot.filters import IsModerator
from bot.keyboards.callbacks import (
    PreviewAction,
    TipAskInput,
    TipDetails,
    TipHistory,
    TipInputKind,
    TipOpen,
    TipPreview,
    TipSetStatus,
)
from bot.keyboards.moderation import preview_keyboard
from bot.notifier import TipNotifier
from bot.screens.common import show
from bot.screens.tip_card import (
    card_keyboard,
    card_text,
    history_text,
    no_links_text,
    preview_text,
    summary_keyboard,
    summary_text,
)
from bot.services.content import Library
from bot.services.links import extract
from bot.services.roles import StaffMember
from bot.services.tips import (
    OutOfRegionError,
    TipNotFoundError,
    TipService,
    TipView,
    TransitionError,
    WallAdvertsOnlyError,
)
from bot.states import ModeratorInput

INPUT_STATES = {
    TipInputKind.NOTE: ModeratorInput.note,
    TipInputKind.REPLY: ModeratorInput.reply,
    TipInputKind.QUESTION: ModeratorInput.question,
}
EVENT_OF_STATE = {
    ModeratorInput.reply.state: EventKind.REPLY,
    ModeratorInput.question.state: EventKind.QUESTION,
}


async def _view_in_scope(
    callback: CallbackQuery, tip_id: int, member: StaffMember, tips: TipService
) -> TipView | None:
    try:
        return await tips.view_as(tip_id, member)
    except TipNotFoundError:
        refusal = _("There is no tip #{id}.").format(id=tip_id)
    except OutOfRegionError:
        refusal = _("This tip is outside your region.")
    except WallAdvertsOnlyError:
        refusal = _("Volunteers see wall adverts only.")
    await callback.answer(refusal, show_alert=True)
    return None


def in_shared_chat(callback: CallbackQuery, settings: Settings) -> bool:
    message = callback.message
    return message is not None and message.chat.id == settings.moderator_chat_id


async def show_card(
    target: CallbackQuery,
    view: TipView,
    member: StaffMember,
    library: Library,
    language: Language,
    settings: Settings,
    alert: str | None = None,
) -> None:
    """The full card in a private chat; in the shared chat, only what all its members may
    see (DESIGN.md)."""
    if in_shared_chat(target, settings):
        text, keyboard = summary_text(view, library, language), summary_keyboard(view)
    else:
        text = card_text(view, library, language, settings.tz)
        keyboard = card_keyboard(view, volunteer=not member.moderates)
    await show(target, text, keyboard, alert=alert)


async def details(
    callback: CallbackQuery,
    callback_data: TipDetails,
    member: StaffMember,
    tips: TipService,
    notifier: TipNotifier,
    language: Language,
) -> None:
    view = await _view_in_scope(callback, callback_data.tip, member, tips)
    if view is None:
        return
    try:
        await notifier.send_details(
            callback.from_user.id, view, language, volunteer=not member.moderates
        )
    except TelegramForbiddenError:
        await callback.answer(
            _(
                "Open a private chat with me first (press my name, then Start), "
                "then press 🔎 again."
            ),
            show_alert=True,
        )
        return
    await callback.answer(_("Sent to your private chat with me."))


async def private_only(callback: CallbackQuery) -> None:
    """Notes, replies, questions and the history are written and read in private chats."""
    await callback.answer(
        _("Open the tip with 🔎 Details: notes, replies and questions are in your private chat."),
        show_alert=True,
    )


async def open_tip(
    callback: CallbackQuery,
    callback_data: TipOpen,
    member: StaffMember,
    tips: TipService,
    library: Library,
    language: Language,
    settings: Settings,
) -> None:
    view = await _view_in_scope(callback, callback_data.tip, member, tips)
    if view is not None:
        await show_card(callback, view, member, library, language, settings)


async def set_status(
    callback: CallbackQuery,
    callback_data: TipSetStatus,
    member: StaffMember,
    tips: TipService,
    library: Library,
    language: Language,
    settings: Settings,
) -> None:
    if await _view_in_scope(callback, callback_data.tip, member, tips) is None:
        return
    alert = None
    try:
        view = await tips.set_status_as(callback_data.tip, callback_data.status, member)
    except TransitionError:
        view = await tips.view(callback_data.tip)
        alert = _("That status can't follow the current one; the card was refreshed.")
    await show_card(callback, view, member, library, language, settings, alert=alert)


async def history(
    callback: CallbackQuery, callback_data: TipHistory, member: StaffMember, tips: TipService
) -> None:
    view = await _view_in_scope(callback, callback_data.tip, member, tips)
    if view is None or callback.message is None:
        return
    title = _("<b>Tip #{id}</b>: history").format(id=view.tip.id)
    await callback.answer()
    await callback.message.answer(history_text(title, view.events, for_reporter=False))


async def ask_input(
    callback: CallbackQuery,
    callback_data: TipAskInput,
    member: StaffMember,
    tips: TipService,
    state: FSMContext,
) -> None:
    if await _view_in_scope(callback, callback_data.tip, member, tips) is None:
        return
    await callback.answer()
    if isinstance(callback.message, Message):
        await prompt_for(callback.message, state, callback_data.tip, callback_data.kind)


async def prompt_for(message: Message, state: FSMContext, tip_id: int, kind: TipInputKind) -> None:
    """Ask for the text as a reply to this prompt, and remember which prompt it was."""
    prompts = {
        TipInputKind.NOTE: _("Write an internal note for tip #{id} as a reply to this message."),
        TipInputKind.REPLY: _(
            "Write the reply for the reporter of tip #{id} as a reply to this message. "
            "They will see it with /status. Don't include anything that identifies anyone."
        ),
        TipInputKind.QUESTION: _(
            "Write your question for the reporter of tip #{id} as a reply to this message. "
            "They will see it with /status and can answer it there. Ask about the place, "
            "never about the person."
        ),
    }
    sent = await message.answer(
        prompts[kind].format(id=tip_id), reply_markup=ForceReply(selective=True)
    )
    await state.set_state(INPUT_STATES[kind])
    await state.set_data({"tip": tip_id, "kind": kind.value, "prompt": sent.message_id})


async def not_a_reply(message: Message) -> None:
    await message.answer(
        _("Please write it as a reply to my prompt (swipe it, or choose Reply), or send /cancel.")
    )


async def save_note(
    message: Message, member: StaffMember, tips: TipService, state: FSMContext
) -> None:
    tip_id = int((await state.get_data()).get("tip", 0))
    await state.clear()
    try:
        await tips.add_note(tip_id, member, message.text or "")
    except TipNotFoundError:
        await message.answer(_("There is no tip #{id}.").format(id=tip_id))
        return
    await message.answer(_("Note saved for tip #{id}.").format(id=tip_id))


async def preview(message: Message, state: FSMContext) -> None:
    """A reply or a question, as the reporter will read it, before it is saved. A link or an
    @username is refused: opening it could tell its owner who the reporter is."""
    data = await state.get_data()
    kind = EVENT_OF_STATE[await state.get_state() or ""]
    text = (message.text or "").strip()
    tip_id = int(data.get("tip", 0))
    if extract(text).links:
        await message.answer(no_links_text())
        await prompt_for(message, state, tip_id, TipInputKind(data.get("kind", "reply")))
        return
    await state.set_state(ModeratorInput.preview)
    await state.update_data(text=text, event=kind.value)
    await message.answer(preview_text(tip_id, kind, text), reply_markup=preview_keyboard(tip_id))


async def only_text(message: Message) -> None:
    await message.answer(_("Only text can be saved. Write it again as a reply to my prompt."))


async def confirm_preview(
    callback: CallbackQuery,
    callback_data: TipPreview,
    member: StaffMember,
    tips: TipService,
    state: FSMContext,
) -> None:
    data = await state.get_data()
    await state.clear()
    kind = EventKind(data["event"])
    try:
        await tips.tell_reporter(callback_data.tip, member, kind, data["text"])
    except TipNotFoundError:
        await show(callback, _("There is no tip #{id}.").format(id=callback_data.tip))
        return
    saved = {
        EventKind.REPLY: _("Reply saved for tip #{id}; the reporter sees it with /status."),
        EventKind.QUESTION: _(
            "Question saved for tip #{id}; the reporter sees it with /status and can answer."
        ),
    }
    await show(callback, saved[kind].format(id=callback_data.tip))


async def edit_preview(
    callback: CallbackQuery, callback_data: TipPreview, state: FSMContext
) -> None:
    data = await state.get_data()
    kind = TipInputKind(data.get("kind", TipInputKind.REPLY))
    await show(callback, _("Write it again, as a reply to the new prompt."))
    if isinstance(callback.message, Message):
        await prompt_for(callback.message, state, callback_data.tip, kind)


async def cancel_preview(callback: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await show(callback, _("Cancelled: nothing was saved, and the reporter sees nothing new."))


async def cancel_input(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(_("Cancelled: nothing was saved, and the reporter sees nothing new."))


async def stale_preview(callback: CallbackQuery) -> None:
    await callback.answer(
        _("This preview is no longer open; nothing was saved from it."), show_alert=True
    )


def is_reply_to_prompt(message: Message, state_data: dict[str, object]) -> bool:
    reply = message.reply_to_message
    return reply is not None and reply.message_id == state_data.get("prompt")


class ReplyToPrompt(Filter):
    """Passes a message written as a reply to the prompt this moderator was given."""

    async def __call__(self, message: Message, state: FSMContext) -> bool:
        return is_reply_to_prompt(message, await state.get_data())


async def only_moderators(callback: CallbackQuery) -> None:
    """A volunteer's old note or reply button (their role changed since)."""
    await callback.answer(_("Only moderators can write notes and replies."), show_alert=True)


class InSharedChat(Filter):
    async def __call__(self, callback: CallbackQuery, settings: Settings) -> bool:
        return in_shared_chat(callback, settings)


def create_router() -> Router:
    router = Router(name=__name__)
    shared = InSharedChat()
    router.callback_query.register(private_only, shared, TipAskInput.filter())
    router.callback_query.register(private_only, shared, TipHistory.filter())
    router.callback_query.register(details, TipDetails.filter())
    router.callback_query.register(open_tip, TipOpen.filter())
    router.callback_query.register(set_status, TipSetStatus.filter())
    router.callback_query.register(history, TipHistory.filter())
    moderator = IsModerator()
    router.callback_query.register(ask_input, moderator, TipAskInput.filter())
    router.callback_query.register(only_moderators, TipAskInput.filter())
    preview_button = TipPreview.filter
    confirm = preview_button(F.action == PreviewAction.CONFIRM)
    router.callback_query.register(confirm_preview, moderator, ModeratorInput.preview, confirm)
    router.callback_query.register(only_moderators, ModeratorInput.preview, confirm)
    router.callback_query.register(
        edit_preview, ModeratorInput.preview, preview_button(F.action == PreviewAction.EDIT)
    )
    router.callback_query.register(
        cancel_preview, ModeratorInput.preview, preview_button(F.action == PreviewAction.CANCEL)
    )
    router.callback_query.register(stale_preview, preview_button())
    writing = (ModeratorInput.note, ModeratorInput.reply, ModeratorInput.question)
    router.message.register(
        cancel_input, StateFilter(*writing, ModeratorInput.preview), Command("cancel")
    )
    replied = ReplyToPrompt()
    router.message.register(save_note, ModeratorInput.note, replied, F.text)
    router.message.register(preview, ModeratorInput.reply, replied, F.text)
    router.message.register(preview, ModeratorInput.question, replied, F.text)
    for step in writing:
        router.message.register(only_text, step, replied)
        router.message.register(not_a_reply, step, ~F.text.startswith("/"))
    return router
