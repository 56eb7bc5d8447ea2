"""What a reporter types or sends at each step of the report form; every message is answered,
and anything the form cannot take gets a clear word while the form carries on."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.domain import Language
from bot.handlers.report import DraftMiddleware, ReportForm, ask_next
from bot.keyboards.callbacks import ReportStep
from bot.keyboards.report import photos_keyboard
from bot.services.content import Library
from bot.services.drafts import TipDraft
from bot.services.links import NotALinkError, normalise
from bot.services.tips import MAX_DESCRIPTION, MAX_PHOTOS

MAX_LINK = 300
MAX_ADDRESS = 300

# Commands keep working in the middle of the form (/cancel, /help ...).
NOT_A_COMMAND = ~F.text.startswith("/")


def too_long(length: int, limit: int) -> str:
    return _("That is {count} characters; the limit is {limit}. Please make it shorter.").format(
        count=length, limit=limit
    )


async def bounded_text(message: Message, limit: int) -> str | None:
    """The message's text, or None after saying it is too long."""
    text = (message.text or "").strip()
    if len(text) > limit:
        await message.answer(too_long(len(text), limit))
        return None
    return text


async def step_done(
    message: Message,
    state: FSMContext,
    draft: TipDraft,
    step: ReportStep,
    library: Library,
    language: Language,
) -> None:
    draft.done.add(step)
    await ask_next(message, state, draft, library, language)


async def link_text(
    message: Message, state: FSMContext, draft: TipDraft, library: Library, language: Language
) -> None:
    text = await bounded_text(message, MAX_LINK)
    if text is None:
        return
    try:
        draft.place_key = normalise(text)
    except NotALinkError:
        await message.answer(
            _(
                "That doesn't look like a link. "
                "Send something like t.me/name, @name or site.kz/page."
            )
        )
        return
    draft.place_label = text
    await step_done(message, state, draft, ReportStep.PLACE, library, language)


async def address_text(
    message: Message, state: FSMContext, draft: TipDraft, library: Library, language: Language
) -> None:
    text = await bounded_text(message, MAX_ADDRESS)
    if text is not None:
        draft.address = text
        await step_done(message, state, draft, ReportStep.PLACE, library, language)


async def location(
    message: Message, state: FSMContext, draft: TipDraft, library: Library, language: Language
) -> None:
    assert message.location is not None
    draft.latitude, draft.longitude = message.location.latitude, message.location.longitude
    await message.answer(_("📍 Location added."))
    await step_done(message, state, draft, ReportStep.PLACE, library, language)


async def description_text(
    message: Message, state: FSMContext, draft: TipDraft, library: Library, language: Language
) -> None:
    text = await bounded_text(message, MAX_DESCRIPTION)
    if text is not None:
        draft.description = text
        await step_done(message, state, draft, ReportStep.DESCRIPTION, library, language)


async def photo(
    message: Message, state: FSMContext, draft: TipDraft, library: Library, language: Language
) -> None:
    assert message.photo
    if len(draft.photo_file_ids) < MAX_PHOTOS:
        # The largest size; Telegram re-encodes photos, which drops their EXIF metadata.
        draft.photo_file_ids.append(message.photo[-1].file_id)
    count = len(draft.photo_file_ids)
    if count >= MAX_PHOTOS:
        await step_done(message, state, draft, ReportStep.PHOTOS, library, language)
        return
    await message.answer(
        _("Photo {count} of {limit} added. Send another, or press Done.").format(
            count=count, limit=MAX_PHOTOS
        ),
        reply_markup=photos_keyboard(count),
    )


async def photo_as_file(message: Message) -> None:
    await message.answer(
        _(
            "Please send the picture as a photo, not as a file: files keep hidden data, "
            "such as where the picture was taken. Telegram cleans photos of it."
        )
    )


async def photo_elsewhere(message: Message) -> None:
    await message.answer(_("Photos come a little later in the form. First, the step above."))


async def unsupported(message: Message) -> None:
    await message.answer(
        _(
            "This can't be added to a report: videos, voice messages, stickers and files are "
            "not accepted. Please answer the step above with text, or with photos when asked."
        )
    )


async def photo_expected(message: Message) -> None:
    await message.answer(_("Send a photo, or press the button above."))


async def use_the_buttons(message: Message) -> None:
    await message.answer(_("Please use the buttons above, or send /cancel to stop the report."))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.middleware(DraftMiddleware())
    text = F.text & NOT_A_COMMAND
    router.message.register(link_text, ReportForm.link, text)
    router.message.register(address_text, ReportForm.where, text)
    router.message.register(location, ReportForm.where, F.location)
    router.message.register(description_text, ReportForm.description, text)
    router.message.register(photo, ReportForm.photos, F.photo)
    router.message.register(photo_expected, ReportForm.photos, text)
    image_file = F.document.mime_type.startswith("image/")
    for step in (ReportForm.link, ReportForm.where, ReportForm.description, ReportForm.photos):
        router.message.register(photo_as_file, step, image_file)
        router.message.register(photo_elsewhere, step, F.photo)
        router.message.register(unsupported, step, ~F.text)
    for step in (ReportForm.category, ReportForm.review):
        router.message.register(use_the_buttons, step, text | ~F.text)
    return router
