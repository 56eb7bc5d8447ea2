"""The anonymous report form's commands and buttons: start, category, region, skip, edit,
take something out, send, cancel.

The draft lives in memory (DraftStore) until it is sent, cancelled or left idle; nothing about
the reporter is written while it is filled in, and the stored tip knows nothing about them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.domain import Language, ReportStep
from bot.keyboards.callbacks import (
    NO_REGION,
    OpenScreen,
    ReportAction,
    ReportButton,
    ReportCategory,
    ReportEdit,
    ReportRegion,
    ReportRemove,
    Screen,
)
from bot.keyboards.report import categories_keyboard, edit_keyboard, remove_keyboard
from bot.middlewares.drafts import DraftMiddleware
from bot.notifier import TipNotifier
from bot.screens.common import show
from bot.screens.receipt import show_held_receipt, show_receipt
from bot.screens.report import ask_next, ask_region, receipt_text, refusal_text, removable_parts
from bot.services.content import Library
from bot.services.drafts import DraftStore, Sending, Sent, TipDraft
from bot.services.limits import DailyQuota
from bot.services.reporting import ReportSender, SendRefusal
from bot.states import REPORT_STEP_OF_STATE, ReportForm


async def start_report(
    target: Message | CallbackQuery,
    state: FSMContext,
    drafts: DraftStore,
    quota: DailyQuota,
    library: Library,
    language: Language,
) -> None:
    chat_id = target.from_user.id if target.from_user else 0
    if await show_held_receipt(target, drafts, state):
        return  # the last report's receipt first: a new draft would replace it
    if await quota.remaining(chat_id) <= 0:
        text = _(
            "You have sent {limit} reports today. Thank you! You can send more tomorrow. "
            "If it is urgent, call {police}."
        ).format(limit=quota.limit, police=library.help.phone("police_102"))
        await show(target, text)
        return
    first = target.message_id if isinstance(target, Message) else None
    if isinstance(target, CallbackQuery) and target.message is not None:
        first = target.message.message_id  # the menu that becomes the form
    await ask_next(target, state, await drafts.start(chat_id, first), library, language)


async def choose_category(
    callback: CallbackQuery,
    callback_data: ReportCategory,
    state: FSMContext,
    draft: TipDraft,
    library: Library,
    language: Language,
) -> None:
    old = draft.category
    draft.category = callback_data.category
    if old is not None and old.is_in_the_street != draft.category.is_in_the_street:
        draft.forget_place()
    await ask_next(callback, state, draft, library, language)


async def cancel(callback: CallbackQuery, state: FSMContext, drafts: DraftStore) -> None:
    """Works whether or not the draft still exists, and says what became of it."""
    if await show_held_receipt(callback, drafts, state):
        return  # too late to cancel: the report is stored, and this is its receipt
    phase = await drafts.get(callback.from_user.id)
    if isinstance(phase, Sending):  # Send was pressed first: the report is being stored
        await callback.answer(refusal_text(SendRefusal.SENDING))
        return
    await state.clear()
    if isinstance(phase, Sent):
        await show(callback, _("This report was already sent, so it can't be cancelled."))
        return
    await drafts.discard(callback.from_user.id)
    await show(callback, _("Report cancelled. Nothing was saved."))


async def skip_step(
    callback: CallbackQuery,
    state: FSMContext,
    draft: TipDraft,
    library: Library,
    language: Language,
) -> None:
    step = REPORT_STEP_OF_STATE.get(await state.get_state() or "")
    if step is not None:
        draft.done.add(step)
    await ask_next(callback, state, draft, library, language)


async def photos_done(
    callback: CallbackQuery,
    state: FSMContext,
    draft: TipDraft,
    library: Library,
    language: Language,
) -> None:
    draft.done.add(ReportStep.PHOTOS)
    await ask_next(callback, state, draft, library, language)


async def back_to_form(
    callback: CallbackQuery,
    state: FSMContext,
    draft: TipDraft,
    library: Library,
    language: Language,
) -> None:
    await ask_next(callback, state, draft, library, language)


async def change_region(
    callback: CallbackQuery, state: FSMContext, library: Library, language: Language
) -> None:
    await ask_region(callback, state, library, language)


async def choose_region(
    callback: CallbackQuery,
    callback_data: ReportRegion,
    state: FSMContext,
    draft: TipDraft,
    library: Library,
    language: Language,
) -> None:
    code = None if callback_data.code == NO_REGION else callback_data.code
    if code is not None and library.region(code) is None:
        await callback.answer(_("This button is out of date."), show_alert=True)
        return
    draft.region = code
    draft.done.add(ReportStep.REGION)
    await ask_next(callback, state, draft, library, language)


async def edit_menu(callback: CallbackQuery, draft: TipDraft) -> None:
    if draft.category is None:
        await callback.answer(_("This button is out of date."), show_alert=True)
        return
    await show(callback, _("What do you want to change?"), edit_keyboard(draft.category))


async def edit_step(
    callback: CallbackQuery,
    callback_data: ReportEdit,
    state: FSMContext,
    draft: TipDraft,
    library: Library,
    language: Language,
) -> None:
    if callback_data.step is ReportStep.CATEGORY:
        await state.set_state(ReportForm.category)
        await show(callback, _("What do you want to report?"), categories_keyboard())
        return
    draft.done.discard(callback_data.step)
    if callback_data.step is ReportStep.PHOTOS:
        draft.photos.clear()
    await ask_next(callback, state, draft, library, language)


async def remove_menu(callback: CallbackQuery, draft: TipDraft) -> None:
    parts = removable_parts(draft)
    text = _("What do you want to take out?") if parts else _("There is nothing to take out.")
    await show(callback, text, remove_keyboard(parts))


async def remove_part(
    callback: CallbackQuery, callback_data: ReportRemove, draft: TipDraft
) -> None:
    if not draft.remove(callback_data.part, callback_data.index):
        await callback.answer(_("This button is out of date."), show_alert=True)
        return
    await remove_menu(callback, draft)


async def send(
    callback: CallbackQuery,
    state: FSMContext,
    draft: TipDraft,
    drafts: DraftStore,
    reports: ReportSender,
    notifier: TipNotifier,
) -> None:
    if await state.get_state() != ReportForm.review.state:
        await callback.answer(_("This button is out of date."), show_alert=True)
        return
    sent = await reports.send(callback.from_user.id, draft)
    if isinstance(sent, SendRefusal):
        await callback.answer(refusal_text(sent), show_alert=sent is not SendRefusal.SENDING)
        return
    receipt = receipt_text(sent.receipt_code)
    await drafts.hold_receipt(callback.from_user.id, receipt, draft.first_message_id)
    notifier.tip_received(sent.tip.id)
    await show_receipt(callback, receipt, drafts, state)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(start_report, Command("report"))
    router.callback_query.register(start_report, OpenScreen.filter(F.screen == Screen.REPORT))
    router.callback_query.register(cancel, ReportButton.filter(F.action == ReportAction.CANCEL))
    # The form's own buttons need the draft.
    form = Router(name=__name__ + ".form")
    form.callback_query.middleware(DraftMiddleware())
    form.callback_query.register(choose_category, ReportCategory.filter())
    form.callback_query.register(choose_region, ReportRegion.filter())
    form.callback_query.register(edit_step, ReportEdit.filter())
    form.callback_query.register(remove_part, ReportRemove.filter())
    actions: dict[ReportAction, Callable[..., Awaitable[None]]] = {
        ReportAction.SKIP: skip_step,
        ReportAction.DONE: photos_done,
        ReportAction.REVIEW: back_to_form,
        ReportAction.REGION: change_region,
        ReportAction.EDIT: edit_menu,
        ReportAction.REMOVE: remove_menu,
        ReportAction.SEND: send,
    }
    for action, handler in actions.items():
        form.callback_query.register(handler, ReportButton.filter(F.action == action))
    router.include_router(form)
    return router
