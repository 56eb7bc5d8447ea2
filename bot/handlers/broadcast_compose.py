"""/broadcast: a moderator composes a message in Kazakh and Russian, picks a photo, a button
and the audience, sees a preview exactly as recipients will, and starts it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.delivery import progress_text, send_content
from bot.domain import ButtonKind, Language, Role
from bot.filters import InChat
from bot.keyboards.broadcast import broadcast_controls
from bot.keyboards.builder import InlineKeyboard
from bot.keyboards.callbacks import (
    NO_REGION,
    ComposeAction,
    ComposeButton,
    ComposeButtonKind,
    ComposeRegion,
    ComposeRole,
    ComposeTarget,
)
from bot.keyboards.common import role_label
from bot.screens.broadcast import preview_summary, refused_text
from bot.screens.common import show
from bot.services.broadcasts import BroadcastService
from bot.services.content import Library
from bot.services.roles import StaffMember
from bot.states import BroadcastDraft

CAPTION_LIMIT = 1024


class Compose(StatesGroup):
    text_kk = State()
    text_ru = State()
    photo = State()
    button = State()
    audience = State()
    preview = State()


def _action(text: str, action: ComposeAction) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=ComposeButton(action=action).pack())


def _skip_cancel() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_action(_("Skip ➡️"), ComposeAction.SKIP)],
            [_action(_("❌ Cancel"), ComposeAction.CANCEL)],
        ]
    )


async def broadcast_command(message: Message, state: FSMContext, member: StaffMember) -> None:
    await state.clear()
    await state.set_state(Compose.text_kk)
    await BroadcastDraft(region=member.region).save(state)
    await message.answer(
        _(
            "📣 <b>New broadcast</b>, step 1 of 5.\n\nSend the text in Kazakh. Telegram's "
            "formatting (bold, italics, links) is kept. Or skip to send Russian only."
        ),
        reply_markup=_skip_cancel(),
    )


async def _ask_russian(target: Message | CallbackQuery, state: FSMContext) -> None:
    await state.set_state(Compose.text_ru)
    await show(
        target,
        _("Step 2 of 5. Send the text in Russian, or skip to send Kazakh only."),
        _skip_cancel(),
    )


async def _ask_photo(target: Message | CallbackQuery, state: FSMContext) -> None:
    await state.set_state(Compose.photo)
    await show(target, _("Step 3 of 5. Send a photo to go with the text, or skip."), _skip_cancel())


async def _ask_button(target: Message | CallbackQuery, state: FSMContext) -> None:
    await state.set_state(Compose.button)
    builder = InlineKeyboard()
    for kind, label in (
        (ButtonKind.TOPIC, _("📚 A topic")),
        (ButtonKind.QUIZ, _("🧩 A quiz")),
        (ButtonKind.REPORT, _("🕵️ The report form")),
        (ButtonKind.HELP, _("🆘 Help contacts")),
    ):
        builder.button(text=label, callback_data=ComposeButtonKind(kind=kind))
    builder.adjust(2)
    builder.row(_action(_("No button"), ComposeAction.NO_BUTTON))
    builder.row(_action(_("❌ Cancel"), ComposeAction.CANCEL))
    await show(target, _("Step 4 of 5. Add a button under the message?"), builder.as_markup())


async def _show_audience(
    target: Message | CallbackQuery, state: FSMContext, library: Library, language: Language
) -> None:
    await state.set_state(Compose.audience)
    draft = await BroadcastDraft.load(state)
    builder = InlineKeyboard()
    for role in Role:
        mark = "✅" if role in draft.roles else "⬜"
        builder.button(text=f"{mark} {role_label(role)}", callback_data=ComposeRole(role=role))
    builder.adjust(1)
    region = library.region_name(draft.region, language) or _("all regions")
    builder.row(_action(_("📍 Region: {region}").format(region=region), ComposeAction.REGIONS))
    urgent = _("🔔 Urgent: yes (ignores quiet hours)") if draft.urgent else _("🔕 Urgent: no")
    builder.row(_action(urgent, ComposeAction.TOGGLE_URGENT))
    builder.row(_action(_("Preview ➡️"), ComposeAction.AUDIENCE_DONE))
    builder.row(_action(_("❌ Cancel"), ComposeAction.CANCEL))
    await show(target, _("Step 5 of 5. Who should get it?"), builder.as_markup())


async def text_received(message: Message, state: FSMContext, library: Library, i18n: I18n) -> None:
    if not message.text:
        await message.answer(_("Please send text, or press Skip."))
        return
    draft = await BroadcastDraft.load(state)
    if await state.get_state() == Compose.text_kk.state:
        draft.text_kk = message.html_text
        await draft.save(state)
        await _ask_russian(message, state)
    else:
        draft.text_ru = message.html_text
        await draft.save(state)
        await _ask_photo(message, state)


async def photo_received(message: Message, state: FSMContext) -> None:
    if not message.photo:
        await message.answer(_("Please send a photo, or press Skip."))
        return
    draft = await BroadcastDraft.load(state)
    longest = max(len(draft.text_kk or ""), len(draft.text_ru or ""))
    if longest > CAPTION_LIMIT:
        await message.answer(
            _(
                "With a photo the text can be at most {limit} characters, and yours has "
                "{count}. Skip the photo, or /broadcast again with a shorter text."
            ).format(limit=CAPTION_LIMIT, count=longest)
        )
        return
    draft.photo = message.photo[-1].file_id
    await draft.save(state)
    await _ask_button(message, state)


async def skip_kazakh(callback: CallbackQuery, state: FSMContext) -> None:
    await _ask_russian(callback, state)


async def skip_russian(callback: CallbackQuery, state: FSMContext) -> None:
    if not (await BroadcastDraft.load(state)).text_kk:
        await callback.answer(_("At least one language needs a text."), show_alert=True)
        return
    await _ask_photo(callback, state)


async def skip_photo(callback: CallbackQuery, state: FSMContext) -> None:
    await _ask_button(callback, state)


async def no_button(
    callback: CallbackQuery, state: FSMContext, library: Library, language: Language
) -> None:
    draft = await BroadcastDraft.load(state)
    draft.button_kind = draft.button_target = None
    await draft.save(state)
    await _show_audience(callback, state, library, language)


async def toggle_urgent(
    callback: CallbackQuery, state: FSMContext, library: Library, language: Language
) -> None:
    draft = await BroadcastDraft.load(state)
    draft.urgent = not draft.urgent
    await draft.save(state)
    await _show_audience(callback, state, library, language)


async def audience_done(
    callback: CallbackQuery,
    state: FSMContext,
    library: Library,
    broadcasts: BroadcastService,
    bot: Bot,
    i18n: I18n,
) -> None:
    await _preview(callback, state, library, broadcasts, bot, i18n)


async def cancel_composer(callback: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await show(callback, _("The broadcast was cancelled; nothing was sent."))


async def composer_closed(callback: CallbackQuery) -> None:
    """A button of a composer that is no longer open: finished, cancelled, or the bot
    restarted. It says what is true: nothing is sent by it, and where started ones are."""
    await callback.answer(
        _(
            "This composer is closed and the button does nothing now. Broadcasts you started "
            "are in /broadcasts with their progress."
        ),
        show_alert=True,
    )


async def out_of_date(callback: CallbackQuery) -> None:
    """A button of an earlier step of the open composer."""
    await callback.answer(_("This button is out of date."), show_alert=True)


async def choose_audience_region(
    callback: CallbackQuery, member: StaffMember, library: Library, language: Language
) -> None:
    if member.region is not None:
        await callback.answer(_("You can broadcast to your region only."), show_alert=True)
        return
    builder = InlineKeyboard()
    builder.button(text=_("All regions"), callback_data=ComposeRegion(code=NO_REGION))
    for region in library.regions:
        builder.button(
            text=region.name.get(language), callback_data=ComposeRegion(code=region.code)
        )
    builder.adjust(2)
    await show(callback, _("Which region?"), builder.as_markup())


async def choose_button_kind(
    callback: CallbackQuery,
    callback_data: ComposeButtonKind,
    state: FSMContext,
    library: Library,
    language: Language,
) -> None:
    draft = await BroadcastDraft.load(state)
    draft.button_kind, draft.button_target = callback_data.kind, None
    await draft.save(state)
    if callback_data.kind in {ButtonKind.REPORT, ButtonKind.HELP}:
        await _show_audience(callback, state, library, language)
        return
    items = library.topics if callback_data.kind is ButtonKind.TOPIC else library.quizzes
    builder = InlineKeyboard()
    for item in items:
        builder.button(
            text=f"{item.emoji} {item.title.get(language)}",
            callback_data=ComposeTarget(target=item.id),
        )
    builder.adjust(1)
    await show(callback, _("Which one?"), builder.as_markup())


async def choose_target(
    callback: CallbackQuery,
    callback_data: ComposeTarget,
    state: FSMContext,
    library: Library,
    language: Language,
) -> None:
    draft = await BroadcastDraft.load(state)
    draft.button_target = callback_data.target
    await draft.save(state)
    await _show_audience(callback, state, library, language)


async def toggle_role(
    callback: CallbackQuery,
    callback_data: ComposeRole,
    state: FSMContext,
    library: Library,
    language: Language,
) -> None:
    draft = await BroadcastDraft.load(state)
    roles = set(draft.roles) ^ {callback_data.role}
    if not roles:
        await callback.answer(_("Choose at least one group."), show_alert=True)
        return
    draft.roles = frozenset(roles)
    await draft.save(state)
    await _show_audience(callback, state, library, language)


async def choose_region(
    callback: CallbackQuery,
    callback_data: ComposeRegion,
    state: FSMContext,
    library: Library,
    language: Language,
    member: StaffMember,
) -> None:
    code = None if callback_data.code == NO_REGION else callback_data.code
    if member.region is not None or (code is not None and library.region(code) is None):
        await callback.answer(_("This button is out of date."), show_alert=True)
        return
    draft = await BroadcastDraft.load(state)
    draft.region = code
    await draft.save(state)
    await _show_audience(callback, state, library, language)


async def _preview(
    callback: CallbackQuery,
    state: FSMContext,
    library: Library,
    broadcasts: BroadcastService,
    bot: Bot,
    i18n: I18n,
) -> None:
    draft = await BroadcastDraft.load(state)
    content, audience = draft.content, draft.audience
    chat_id = callback.from_user.id
    await callback.answer()
    try:
        for text_language in content.languages:
            with i18n.use_locale(text_language.value):
                await send_content(bot, chat_id, text_language, content, library)
    except TelegramBadRequest as exc:
        await bot.send_message(chat_id, refused_text(exc.message))
        return
    counts = await broadcasts.audience_size(content, audience)
    await state.set_state(Compose.preview)
    text = preview_summary(counts, content)
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [_action(_("✅ Start the broadcast"), ComposeAction.START)],
            [_action(_("❌ Cancel"), ComposeAction.CANCEL)],
        ]
    )
    await bot.send_message(chat_id, text, reply_markup=markup)


async def start_broadcast(
    callback: CallbackQuery,
    state: FSMContext,
    member: StaffMember,
    broadcasts: BroadcastService,
    bot: Bot,
) -> None:
    draft = await BroadcastDraft.load(state)
    await state.clear()
    broadcast = await broadcasts.start(
        draft.content, draft.audience, urgent=draft.urgent, actor=member
    )
    assert broadcast is not None
    await callback.answer()
    message = await bot.send_message(
        callback.from_user.id,
        progress_text(broadcast, None),
        reply_markup=broadcast_controls(broadcast),
    )
    await broadcasts.attach_progress(broadcast.id, message.chat.id, message.message_id)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(broadcast_command, Command("broadcast"), InChat(ChatType.PRIVATE))
    # Commands (/cancel, /help ...) are never taken for the broadcast's text.
    not_a_command = ~F.text.startswith("/")
    router.message.register(text_received, Compose.text_kk, not_a_command)
    router.message.register(text_received, Compose.text_ru, not_a_command)
    router.message.register(photo_received, Compose.photo, not_a_command)

    # One handler per (button, step): a button of another step is out of date.
    def button(action: ComposeAction) -> Filter:
        return ComposeButton.filter(F.action == action)

    steps: list[tuple[Callable[..., Awaitable[None]], ComposeAction, State]] = [
        (skip_kazakh, ComposeAction.SKIP, Compose.text_kk),
        (skip_russian, ComposeAction.SKIP, Compose.text_ru),
        (skip_photo, ComposeAction.SKIP, Compose.photo),
        (no_button, ComposeAction.NO_BUTTON, Compose.button),
        (toggle_urgent, ComposeAction.TOGGLE_URGENT, Compose.audience),
        (choose_audience_region, ComposeAction.REGIONS, Compose.audience),
        (audience_done, ComposeAction.AUDIENCE_DONE, Compose.audience),
        (start_broadcast, ComposeAction.START, Compose.preview),
    ]
    for handler, action, step in steps:
        router.callback_query.register(handler, button(action), step)
    composing = StateFilter(Compose)
    router.callback_query.register(cancel_composer, button(ComposeAction.CANCEL), composing)
    router.callback_query.register(out_of_date, ComposeButton.filter(), composing)
    router.callback_query.register(composer_closed, ComposeButton.filter())
    router.callback_query.register(choose_button_kind, ComposeButtonKind.filter(), Compose.button)
    router.callback_query.register(choose_target, ComposeTarget.filter(), Compose.button)
    router.callback_query.register(toggle_role, ComposeRole.filter(), Compose.audience)
    router.callback_query.register(choose_region, ComposeRegion.filter(), Compose.audience)
    return router
