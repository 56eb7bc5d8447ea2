"""What a reporter types or sends at each step of the report form; every message is answered,
and anything the form cannot take gets a clear word while the form carries on."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.domain import Profile
from bot.handlers.report import ReportForm, ask_next, draft_or_expired, language_of
from bot.keyboards.callbacks import ReportStep
from bot.keyboards.report import photos_keyboard
from bot.services.content import Library
from bot.services.drafts import DraftStore
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


async def link_text(
    message: Message,
    state: FSMContext,
    drafts: DraftStore,
    library: Library,
    profile: Profile | None,
    i18n: I18n,
) -> None:
    draft = await draft_or_expired(message, state, drafts)
    if draft is None or message.text is None:
        return
    text = message.text.strip()
    if len(text) > MAX_LINK:
        await message.answer(too_long(len(text), MAX_LINK))
        return
    try:
        key = normalise(text)
    except NotALinkError:
        await message.answer(
            _(
                "That doesn't look like a link. "
                "Send something like t.me/name, @name or site.kz/page."
            )
        )
        return
    draft.place_label, draft.place_key = text, key
    draft.done.add(ReportStep.PLACE)
    await ask_next(message, state, draft, library, language_of(profile, i18n))


async def address_text(
    message: Message,
    state: FSMContext,
    drafts: DraftStore,
    library: Library,
    profile: Profile | None,
    i18n: I18n,
) -> None:
    draft = await draft_or_expired(message, state, drafts)
    if draft is None or message.text is None:
        return
    text = message.text.strip()
    if len(text) > MAX_ADDRESS:
        await message.answer(too_long(len(text), MAX_ADDRESS))
        return
    draft.address = text
    draft.done.add(ReportStep.PLACE)
    await ask_next(message, state, draft, library, language_of(profile, i18n))


async def location(
    message: Message,
    state: FSMContext,
    drafts: DraftStore,
    library: Library,
    profile: Profile | None,
    i18n: I18n,
) -> None:
    draft = await draft_or_expired(message, state, drafts)
    if draft is None or message.location is None:
        return
    draft.latitude, draft.longitude = message.location.latitude, message.location.longitude
    draft.done.add(ReportStep.PLACE)
    await message.answer(_("📍 Location added."))
    await ask_next(message, state, draft, library, language_of(profile, i18n))


async def description_text(
    message: Message,
    state: FSMContext,
    drafts: DraftStore,
    library: Library,
    profile: Profile | None,
    i18n: I18n,
) -> None:
    draft = await draft_or_expired(message, state, drafts)
    if draft is None or message.text is None:
        return
    text = message.text.strip()
    if len(text) > MAX_DESCRIPTION:
        await message.answer(too_long(len(text), MAX_DESCRIPTION))
        return
    draft.description = text
    draft.done.add(ReportStep.DESCRIPTION)
    await ask_next(message, state, draft, library, language_of(profile, i18n))


async def photo(
    message: Message,
    state: FSMContext,
    drafts: DraftStore,
    library: Library,
    profile: Profile | None,
    i18n: I18n,
) -> None:
    draft = await draft_or_expired(message, state, drafts)
    if draft is None or not message.photo:
        return
    if len(draft.photo_file_ids) < MAX_PHOTOS:
        # The largest size; Telegram re-encodes photos, which drops their EXIF metadata.
        draft.photo_file_ids.append(message.photo[-1].file_id)
    count = len(draft.photo_file_ids)
    if count >= MAX_PHOTOS:
        draft.done.add(ReportStep.PHOTOS)
        await ask_next(message, state, draft, library, language_of(profile, i18n))
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
