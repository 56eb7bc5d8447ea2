"""Moderators act on a tip card: change its status, add an internal note, reply to the reporter.

Every action re-checks the role and the region when it executes, so a forged or stale button
does nothing, and every change lands on the audit trail (in TipService).
"""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ForceReply, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.domain import Language, TipCategory, TipStatus
from bot.handlers.common import show
from bot.handlers.tip_cards import card_keyboard, card_text
from bot.keyboards.callbacks import TipAskInput, TipInputKind, TipOpen, TipSetStatus
from bot.services.content import Library
from bot.services.roles import StaffMember
from bot.services.tips import TipNotFoundError, TipService, TipView, TransitionError


class ModeratorInput(StatesGroup):
    note = State()
    reply = State()


async def _view_in_scope(
    callback: CallbackQuery, tip_id: int, member: StaffMember, tips: TipService
) -> TipView | None:
    try:
        view = await tips.view(tip_id)
    except TipNotFoundError:
        await callback.answer(_("There is no tip #{id}.").format(id=tip_id), show_alert=True)
        return None
    if not member.covers(view.tip.region):
        await callback.answer(_("This tip is outside your region."), show_alert=True)
        return None
    if not member.moderates and view.tip.category is not TipCategory.WALL_ADVERT:
        await callback.answer(_("Volunteers see wall adverts only."), show_alert=True)
        return None
    return view


async def show_card(
    target: CallbackQuery,
    view: TipView,
    member: StaffMember,
    library: Library,
    i18n: I18n,
    alert: str | None = None,
) -> None:
    language = Language(i18n.current_locale)
    keyboard = card_keyboard(view, volunteer=not member.moderates)
    await show(target, card_text(view, library, language), keyboard, alert=alert)


async def open_tip(
    callback: CallbackQuery,
    callback_data: TipOpen,
    member: StaffMember,
    tips: TipService,
    library: Library,
    i18n: I18n,
) -> None:
    view = await _view_in_scope(callback, callback_data.tip, member, tips)
    if view is not None:
        await show_card(callback, view, member, library, i18n)


async def set_status(
    callback: CallbackQuery,
    callback_data: TipSetStatus,
    member: StaffMember,
    tips: TipService,
    library: Library,
    i18n: I18n,
) -> None:
    if await _view_in_scope(callback, callback_data.tip, member, tips) is None:
        return
    try:
        if member.moderates:
            view = await tips.change_status(callback_data.tip, callback_data.status, member.user_id)
        elif callback_data.status is TipStatus.PAINTED:
            view = await tips.mark_painted(callback_data.tip, member.user_id)
        else:
            raise TransitionError("volunteers only mark wall adverts painted over")
    except TransitionError:
        view = await tips.view(callback_data.tip)
        alert = _("That status can't follow the current one; the card was refreshed.")
        await show_card(callback, view, member, library, i18n, alert=alert)
        return
    await show_card(callback, view, member, library, i18n)


async def ask_input(
    callback: CallbackQuery,
    callback_data: TipAskInput,
    member: StaffMember,
    tips: TipService,
    state: FSMContext,
) -> None:
    if await _view_in_scope(callback, callback_data.tip, member, tips) is None:
        return
    if not member.moderates:
        await callback.answer(_("Only moderators can write notes and replies."), show_alert=True)
        return
    if callback_data.kind is TipInputKind.NOTE:
        await state.set_state(ModeratorInput.note)
        prompt = _("Write an internal note for tip #{id} as a reply to this message.")
    else:
        await state.set_state(ModeratorInput.reply)
        prompt = _(
            "Write the reply for the reporter of tip #{id} as a reply to this message. "
            "They will see it with /status. Don't include anything that identifies anyone."
        )
    await state.update_data(tip=callback_data.tip)
    await callback.answer()
    if callback.message is not None:
        await callback.message.answer(
            prompt.format(id=callback_data.tip), reply_markup=ForceReply(selective=True)
        )


async def receive_input(
    message: Message, member: StaffMember, tips: TipService, state: FSMContext
) -> None:
    data = await state.get_data()
    kind = await state.get_state()
    await state.clear()
    if not member.moderates:
        return
    tip_id = int(data.get("tip", 0))
    if not message.text:
        await message.answer(_("Only text can be saved. Press the button on the card again."))
        return
    try:
        if kind == ModeratorInput.note.state:
            await tips.add_note(tip_id, member.user_id, message.text)
            await message.answer(_("Note saved for tip #{id}.").format(id=tip_id))
        else:
            await tips.set_public_reply(tip_id, member.user_id, message.text)
            await message.answer(
                _("Reply saved for tip #{id}; the reporter sees it with /status.").format(id=tip_id)
            )
    except TipNotFoundError:
        await message.answer(_("There is no tip #{id}.").format(id=tip_id))


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(open_tip, TipOpen.filter())
    router.callback_query.register(set_status, TipSetStatus.filter())
    router.callback_query.register(ask_input, TipAskInput.filter())
    router.message.register(receive_input, ModeratorInput.note)
    router.message.register(receive_input, ModeratorInput.reply)
    return router
