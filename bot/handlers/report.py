"""The anonymous report form: what, where, description, photos, review, send.

The draft lives in memory (DraftStore) until it is sent, cancelled or left idle; nothing about
the reporter is written while it is filled in, and the stored tip knows nothing about them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

from aiogram import BaseMiddleware, Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.config import Settings
from bot.domain import Language, Profile
from bot.handlers.common import show
from bot.handlers.receipt_delivery import show_held_receipt, show_receipt
from bot.handlers.tip_cards import post_tip
from bot.keyboards.callbacks import (
    NO_REGION,
    OpenScreen,
    ReportAction,
    ReportButton,
    ReportCategory,
    ReportEdit,
    ReportRegion,
    ReportStep,
    Screen,
)
from bot.keyboards.labels import category_label
from bot.keyboards.report import (
    categories_keyboard,
    edit_keyboard,
    photos_keyboard,
    report_regions_keyboard,
    review_keyboard,
    step_keyboard,
)
from bot.services.content import Library
from bot.services.drafts import DraftStore, TipDraft
from bot.services.limits import DailyQuota
from bot.services.tips import TipService

logger = logging.getLogger(__name__)


class ReportForm(StatesGroup):
    category = State()
    link = State()
    where = State()
    description = State()
    photos = State()
    review = State()


def intro_text() -> str:
    return "\n\n".join(
        (
            _("🕵️ <b>Anonymous report</b>"),
            _(
                "Tell us about a drug shop, a channel, an advert or a stash. I don't keep who "
                "you are: not your name, not your username, not this chat. You get a receipt "
                "code to check what happened."
            ),
            _(
                "Stay safe: don't investigate, don't contact sellers, don't pick anything up, "
                "don't take photos up close. If a courier is at work right now, call 102."
            ),
            _("What do you want to report?"),
        )
    )


def language_of(profile: Profile | None, i18n: I18n) -> Language:
    return profile.language if profile else Language(i18n.current_locale)


async def ask_next(
    target: Message | CallbackQuery,
    state: FSMContext,
    draft: TipDraft,
    library: Library,
    language: Language,
) -> None:
    """Show the first step not answered yet, or the review once all are."""
    if draft.category is None:
        await state.set_state(ReportForm.category)
        await show(target, intro_text(), categories_keyboard())
    elif ReportStep.PLACE not in draft.done:
        await ask_place(target, state, draft, library, language)
    elif ReportStep.DESCRIPTION not in draft.done:
        await state.set_state(ReportForm.description)
        text = _(
            "Describe what you saw, in your own words (up to 1500 characters). "
            "Don't write your name or anything about yourself."
        )
        if not draft.has_place:
            text += "\n\n" + _("Without a link or a place, a few words are needed.")
        await show(target, text, step_keyboard(can_skip=draft.has_place))
    elif ReportStep.PHOTOS not in draft.done:
        await state.set_state(ReportForm.photos)
        text = _(
            "You can add up to 3 photos. Send them as photos, not as files. "
            "Don't go close to take them."
        )
        await show(target, text, photos_keyboard(len(draft.photo_file_ids)))
    else:
        draft.reviewing = True
        await state.set_state(ReportForm.review)
        await show(target, review_text(draft, library, language), review_keyboard())


async def ask_place(
    target: Message | CallbackQuery,
    state: FSMContext,
    draft: TipDraft,
    library: Library,
    language: Language,
) -> None:
    if draft.category is None:
        # A button of an earlier draft: this one has no category yet.
        await ask_next(target, state, draft, library, language)
        return
    if draft.category.is_in_the_street:
        await state.set_state(ReportForm.where)
        region = library.region_name(draft.region, language) or _("not chosen")
        text = "\n\n".join(
            (
                _("Where is it? Region: {region}.").format(region=escape(region)),
                _(
                    "Write the city and the address, for example: Almaty, Abay avenue 10. "
                    "Or send a location: 📎 → Location, and move the pin to the place."
                ),
                _(
                    "⚠️ A location is exact. Send it only after you have left the place, "
                    "and never go back to check."
                ),
            )
        )
        await show(target, text, step_keyboard(can_skip=True, change_region=True))
        return
    await state.set_state(ReportForm.link)
    text = _(
        "Send the link or the @username, for example t.me/name, @name or site.kz/page. "
        "Don't open the channel and don't write to it."
    )
    await show(target, text, step_keyboard(can_skip=not draft.category.is_online))


def review_text(draft: TipDraft, library: Library, language: Language) -> str:
    assert draft.category is not None
    lines = [_("<b>Check your report</b>"), ""]
    lines.append(_("What: {category}").format(category=escape(category_label(draft.category))))
    if draft.place_label:
        lines.append(_("Link: {link}").format(link=escape(draft.place_label)))
    if draft.category.is_in_the_street:
        region = library.region_name(draft.region, language) or _("not chosen")
        lines.append(_("Region: {region}").format(region=escape(region)))
    if draft.address:
        lines.append(_("Address: {address}").format(address=escape(draft.address)))
    if draft.latitude is not None:
        lines.append(_("Location: sent"))
    if draft.description:
        lines.append(_("Description: {text}").format(text=escape(draft.description)))
    lines.append(_("Photos: {count}").format(count=len(draft.photo_file_ids)))
    lines += ["", _("Nothing here says who you are.")]
    return "\n".join(lines)


async def start_report(
    target: Message | CallbackQuery,
    state: FSMContext,
    profile: Profile | None,
    drafts: DraftStore,
    quota: DailyQuota,
    library: Library,
    i18n: I18n,
    chat_id: int,
) -> None:
    if await show_held_receipt(target, drafts, state):
        return  # the last report's receipt first: a new draft would replace it
    if quota.remaining(chat_id) <= 0:
        text = _(
            "You have sent {limit} reports today. Thank you! You can send more tomorrow. "
            "If it is urgent, call 102."
        ).format(limit=quota.limit)
        await show(target, text)
        return
    draft = drafts.start(chat_id, profile.region if profile else None)
    await ask_next(target, state, draft, library, language_of(profile, i18n))


async def report_command(
    message: Message,
    state: FSMContext,
    profile: Profile | None,
    drafts: DraftStore,
    quota: DailyQuota,
    library: Library,
    i18n: I18n,
) -> None:
    await start_report(message, state, profile, drafts, quota, library, i18n, message.chat.id)


async def report_button(
    callback: CallbackQuery,
    state: FSMContext,
    profile: Profile | None,
    drafts: DraftStore,
    quota: DailyQuota,
    library: Library,
    i18n: I18n,
) -> None:
    await start_report(
        callback, state, profile, drafts, quota, library, i18n, callback.from_user.id
    )


async def draft_or_expired(
    target: Message | CallbackQuery, state: FSMContext, drafts: DraftStore
) -> TipDraft | None:
    """The chat's draft, or None after telling the user it expired."""
    chat_id = target.from_user.id if target.from_user else 0
    draft = drafts.get(chat_id)
    if draft is None:
        await state.clear()
        await show(
            target,
            _(
                "This report draft no longer exists: drafts are deleted after 30 minutes "
                "without activity. Start again with /report."
            ),
        )
    return draft


class DraftMiddleware(BaseMiddleware):
    """Hands each form handler the chat's draft and language as `draft` and `language`, or
    says that the draft expired and stops there, so that no handler repeats it."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Message | CallbackQuery)
        draft = await draft_or_expired(event, data["state"], data["drafts"])
        if draft is None:
            return None
        if draft.receipt is not None and isinstance(event, CallbackQuery):
            # The tip is stored; its receipt never reached the reporter: show it now.
            await show_receipt(event, draft.receipt, data["drafts"], data["state"])
            return None
        data["draft"] = draft
        data["language"] = language_of(data.get("profile"), data["i18n"])
        return await handler(event, data)


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
        # A link and a street address don't carry over between the two kinds of place.
        draft.place_key = draft.place_label = draft.address = None
        draft.latitude = draft.longitude = None
        draft.done.discard(ReportStep.PLACE)
    await ask_next(callback, state, draft, library, language)


async def cancel(callback: CallbackQuery, state: FSMContext, drafts: DraftStore) -> None:
    """Works whether or not the draft still exists."""
    if await show_held_receipt(callback, drafts, state):
        return  # too late to cancel: the report is stored, and this is its receipt
    drafts.discard(callback.from_user.id)
    await state.clear()
    await show(callback, _("Report cancelled. Nothing was saved."))


async def button(
    callback: CallbackQuery,
    callback_data: ReportButton,
    state: FSMContext,
    draft: TipDraft,
    drafts: DraftStore,
    library: Library,
    language: Language,
    tips: TipService,
    quota: DailyQuota,
    settings: Settings,
    bot: Bot,
) -> None:
    action = callback_data.action
    current = await state.get_state()
    if action is ReportAction.SKIP:
        step = {
            ReportForm.link.state: ReportStep.PLACE,
            ReportForm.where.state: ReportStep.PLACE,
            ReportForm.description.state: ReportStep.DESCRIPTION,
            ReportForm.photos.state: ReportStep.PHOTOS,
        }.get(current or "")
        if step is not None:
            draft.done.add(step)
    elif action is ReportAction.DONE:
        draft.done.add(ReportStep.PHOTOS)
    elif action is ReportAction.REGION:
        await show(
            callback, _("Which region is it in?"), report_regions_keyboard(library, language)
        )
        return
    elif action is ReportAction.EDIT and draft.category is not None:
        await show(callback, _("What do you want to change?"), edit_keyboard(draft.category))
        return
    elif action is ReportAction.SEND and current == ReportForm.review.state:
        await send_report(callback, state, draft, drafts, tips, quota, settings, library, bot)
        return
    await ask_next(callback, state, draft, library, language)


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
    await ask_place(callback, state, draft, library, language)


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
        draft.photo_file_ids.clear()
    await ask_next(callback, state, draft, library, language)


async def send_report(
    callback: CallbackQuery,
    state: FSMContext,
    draft: TipDraft,
    drafts: DraftStore,
    tips: TipService,
    quota: DailyQuota,
    settings: Settings,
    library: Library,
    bot: Bot,
) -> None:
    chat_id = callback.from_user.id
    if quota.remaining(chat_id) <= 0:
        await callback.answer(_("You have reached today's limit of reports."), show_alert=True)
        return
    if not (draft.has_place or draft.description):
        await callback.answer(_("Please add a link, a place or a description."), show_alert=True)
        return
    submitted = await tips.submit(draft.to_data())
    quota.use(chat_id)
    code = submitted.receipt_code
    text = "\n\n".join(
        (
            _("✅ <b>Sent. Thank you!</b>"),
            _("Your receipt code:") + f"\n<code>{code}</code>",
            _(
                "Save it now: I show it only once and cannot recover it. To see what happened "
                "with your report, send /status {code}"
            ).format(code=code),
        )
    )
    drafts.hold_receipt(chat_id, text)
    try:
        await show_receipt(callback, text, drafts, state)
    finally:
        # Whatever became of the receipt, the tip is stored and the moderators hear of it.
        if settings.moderator_chat_id is not None:
            await notify_moderators(bot, settings, submitted.tip.id, tips, library)


async def notify_moderators(
    bot: Bot, settings: Settings, tip_id: int, tips: TipService, library: Library
) -> None:
    """Best effort: the tip is already stored and waits in /tips if posting fails."""
    assert settings.moderator_chat_id is not None
    view = await tips.view(tip_id)
    language = settings.moderator_language
    i18n_context = I18n.get_current(no_error=True)
    try:
        if i18n_context is None:
            await post_tip(bot, settings.moderator_chat_id, view, library, language)
        else:
            with i18n_context.use_locale(language.value):
                await post_tip(bot, settings.moderator_chat_id, view, library, language)
    except Exception:  # never lose a tip over a failed notice: it waits in /tips
        logger.exception("Could not post tip #%s to the moderators' chat", tip_id)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(report_command, Command("report"))
    router.callback_query.register(report_button, OpenScreen.filter(F.screen == Screen.REPORT))
    router.callback_query.register(cancel, ReportButton.filter(F.action == ReportAction.CANCEL))
    # The form's own buttons need the draft.
    form = Router(name=__name__ + ".form")
    form.callback_query.middleware(DraftMiddleware())
    form.callback_query.register(choose_category, ReportCategory.filter())
    form.callback_query.register(button, ReportButton.filter())
    form.callback_query.register(choose_region, ReportRegion.filter())
    form.callback_query.register(edit_step, ReportEdit.filter())
    router.include_router(form)
    return router
