"""What a reporter types, pastes, forwards or photographs at each step of the report form.

Every message is answered. The form takes what people really have in their hands: an advert
pasted with its words, a forwarded post, a photo of a QR code; anything it cannot take gets a
clear word while the form carries on.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.domain import Language, ReportStep
from bot.inputs import PhotoUnreadableError, read_form_input
from bot.middlewares.drafts import DraftMiddleware
from bot.screens.report import ask_next, no_link_text, taken_text
from bot.services.content import Library
from bot.services.drafts import MAX_ADDRESS, MAX_DESCRIPTION, MAX_PHOTOS, Taken, TipDraft
from bot.states import REPORT_STEP_OF_STATE, ReportForm

# Commands keep working in the middle of the form (/cancel, /help ...).
NOT_A_COMMAND = ~F.text.startswith("/")
# What a typed answer may hold at the steps that take words as they are.
TYPED_LIMIT = {ReportForm.where.state: MAX_ADDRESS, ReportForm.description.state: MAX_DESCRIPTION}


def too_long(length: int, limit: int) -> str:
    return _("That is {count} characters; the limit is {limit}. Please make it shorter.").format(
        count=length, limit=limit
    )


async def take_message(
    message: Message,
    state: FSMContext,
    draft: TipDraft,
    library: Library,
    language: Language,
    bot: Bot,
) -> None:
    """Text, a pasted advert, a forwarded post or a photo, at any step that asks for them."""
    current = await state.get_state() or ""
    step = REPORT_STEP_OF_STATE[current]
    refusal = refused(message, current, step)
    if refusal is not None:
        await message.answer(refusal)
        return
    try:
        given = await read_form_input(message, bot, message.chat.id)
    except PhotoUnreadableError:
        await message.answer(_("I couldn't open this photo. Please send it again."))
        return
    taken = draft.take(step, given)
    if answered(current, draft, taken):
        draft.done.add(step)
    preface = what_was_taken(current, draft, step, taken, bool(given.text.strip()))
    await ask_next(message, state, draft, library, language, preface)


def refused(message: Message, current: str, step: ReportStep) -> str | None:
    """Why the step cannot take this message, or None if it can."""
    if step is ReportStep.PHOTOS and not (message.photo or message.forward_origin):
        return _("Send a photo, or press the button above.")
    limit = TYPED_LIMIT.get(current)
    text = (message.text or "").strip()
    if limit and message.forward_origin is None and len(text) > limit and not message.entities:
        return too_long(len(text), limit)
    return None


def what_was_taken(
    current: str, draft: TipDraft, step: ReportStep, taken: Taken, had_text: bool
) -> str:
    """The line above the next question: what the message added, or why it added nothing."""
    preface = taken_text(taken, draft, step)
    if had_text and not taken.anything:
        # Emoji or punctuation alone: nothing a moderator could act on.
        preface = _("Please say it in words: emoji alone don't tell the moderators what you saw.")
    if current == ReportForm.link.state and not draft.has_source:
        preface = "\n\n".join(filter(None, (preface, no_link_text())))
    return preface


def answered(current: str, draft: TipDraft, taken: Taken) -> bool:
    """Whether the step is complete after a message (photos may keep coming until the last;
    a photo sent while the description is asked for does not answer it)."""
    if current == ReportForm.description.state:
        return taken.words_as is ReportStep.DESCRIPTION
    if current == ReportForm.link.state:
        return draft.has_source
    if current == ReportForm.where.state:
        return bool(draft.address or draft.latitude is not None)
    if current == ReportForm.photos.state:
        return len(draft.photos) >= MAX_PHOTOS
    return True


async def location(
    message: Message, state: FSMContext, draft: TipDraft, library: Library, language: Language
) -> None:
    assert message.location is not None
    draft.latitude, draft.longitude = message.location.latitude, message.location.longitude
    draft.done.add(ReportStep.PLACE)
    await ask_next(message, state, draft, library, language, _("📍 Location added."))


async def photo_as_file(message: Message) -> None:
    await message.answer(
        _(
            "Please send the picture as a photo, not as a file: files keep hidden data, "
            "such as where the picture was taken. Telegram cleans photos of it."
        )
    )


async def unsupported(message: Message) -> None:
    await message.answer(
        _(
            "This can't be added to a report: videos, voice messages, stickers and files are "
            "not accepted. Please answer the step above with text, or with photos when asked."
        )
    )


async def use_the_buttons(message: Message) -> None:
    await message.answer(_("Please use the buttons above, or send /cancel to stop the report."))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.middleware(DraftMiddleware())
    steps = (ReportForm.link, ReportForm.where, ReportForm.description, ReportForm.photos)
    text = F.text & NOT_A_COMMAND
    takes = text | F.photo | F.forward_origin
    router.message.register(location, ReportForm.where, F.location)
    image_file = F.document.mime_type.startswith("image/")
    for step in steps:
        router.message.register(take_message, step, takes)
        router.message.register(photo_as_file, step, image_file)
        router.message.register(unsupported, step, ~F.text)
    for step in (ReportForm.category, ReportForm.region, ReportForm.review):
        router.message.register(use_the_buttons, step, text | ~F.text)
    return router
