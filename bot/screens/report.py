"""The report form's screens: each step's question, what a message added, the review, and the
receipt. `ask_next` is the form's one navigator: it shows the first step not answered yet."""

from __future__ import annotations

from html import escape

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.domain import Language, Link, LinkSource, Origin, OriginKind, ReportStep, shorten
from bot.keyboards.callbacks import DraftPart
from bot.keyboards.labels import category_label
from bot.keyboards.report import (
    categories_keyboard,
    photos_keyboard,
    report_regions_keyboard,
    review_keyboard,
    step_keyboard,
)
from bot.screens.common import show
from bot.services.content import Library
from bot.services.drafts import MAX_DESCRIPTION, MAX_PHOTOS, Taken, TipDraft
from bot.services.links import MAX_LINKS
from bot.services.reporting import SendRefusal
from bot.states import ReportForm


def intro_text(library: Library) -> str:
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
                "don't take photos up close. If a courier is at work right now, call {police}."
            ).format(police=library.help.phone("police_102")),
            _("What do you want to report?"),
        )
    )


def region_label(draft: TipDraft, library: Library, language: Language) -> str:
    return library.region_name(draft.region, language) or _("not chosen")


async def ask_next(
    target: Message | CallbackQuery,
    state: FSMContext,
    draft: TipDraft,
    library: Library,
    language: Language,
    preface: str = "",
) -> None:
    """Show the first step not answered yet, or the review once all are; `preface` says
    what the last message added."""
    top = f"{preface}\n\n" if preface else ""
    if draft.category is None:
        await state.set_state(ReportForm.category)
        await show(target, top + intro_text(library), categories_keyboard())
    elif draft.category.is_in_the_street and ReportStep.REGION not in draft.done:
        await ask_region(target, state, library, language, top)
    elif ReportStep.PLACE not in draft.done:
        await ask_place(target, state, draft, library, language, top)
    elif ReportStep.DESCRIPTION not in draft.done:
        await state.set_state(ReportForm.description)
        await show(target, top + description_prompt(draft), description_keyboard(draft))
    elif ReportStep.PHOTOS not in draft.done:
        await state.set_state(ReportForm.photos)
        text = _(
            "You can add up to 3 photos. Send them as photos, not as files. "
            "Don't go close to take them."
        )
        text += "\n" + _("A QR code in a photo is read, and its link is added to the report.")
        await show(target, top + text, photos_keyboard(len(draft.photos)))
    else:
        await state.set_state(ReportForm.review)
        await show(target, top + review_text(draft, library, language), review_keyboard())


async def ask_region(
    target: Message | CallbackQuery,
    state: FSMContext,
    library: Library,
    language: Language,
    top: str = "",
) -> None:
    """The place's region, with nothing chosen for the reporter: their own region is theirs,
    not the place's (DESIGN.md, only what the reporter chose)."""
    await state.set_state(ReportForm.region)
    text = top + _("Which region is it in?")
    await show(target, text, report_regions_keyboard(library, language))


async def ask_place(
    target: Message | CallbackQuery,
    state: FSMContext,
    draft: TipDraft,
    library: Library,
    language: Language,
    top: str = "",
) -> None:
    assert draft.category is not None
    if draft.category.is_in_the_street:
        await state.set_state(ReportForm.where)
        region = region_label(draft, library, language)
        text = "\n\n".join(
            (
                _("Where is it? Region: {region}.").format(region=escape(region)),
                _(
                    "Write the city and the address, for example: Almaty, Abay avenue 10. "
                    "Or send a location: 📎 → Location, and move the pin to the place."
                ),
                _("A photo of the advert is welcome too: I read the link of its QR code."),
                _(
                    "⚠️ A location is exact. Send it only after you have left the place, "
                    "and never go back to check."
                ),
            )
        )
        await show(target, top + text, step_keyboard(can_skip=True, change_region=True))
        return
    await state.set_state(ReportForm.link)
    text = "\n\n".join(
        (
            _("Send the link or the @username, for example t.me/name, @name or site.kz/page."),
            _(
                "You can also paste the whole advert, forward a post from the channel here, or "
                "send a photo of its QR code: I'll find the links myself."
            ),
            _("Don't open the channel and don't write to it."),
        )
    )
    await show(target, top + text, step_keyboard(can_skip=not draft.category.is_online))


def description_prompt(draft: TipDraft) -> str:
    text = _(
        "Describe what you saw, in your own words (up to 1500 characters). "
        "Don't write your name or anything about yourself."
    )
    if draft.description:
        text += "\n\n" + _(
            "So far: «{text}». Send new words to replace them, or press Keep."
        ).format(text=escape(shorten(draft.description, 300)))
    elif not draft.has_place:
        text += "\n\n" + _("Without a link or a place, a few words are needed.")
    return text


def description_keyboard(draft: TipDraft) -> InlineKeyboardMarkup:
    return step_keyboard(
        can_skip=draft.has_place or bool(draft.description), keep=bool(draft.description)
    )


def link_line(link: Link) -> str:
    marks = {
        LinkSource.QR: " " + _("(from a QR code)"),
        LinkSource.FORWARD: " " + _("(where the post came from)"),
    }
    return f"🔗 {escape(link.url)}{marks.get(link.source, '')}"


def origin_label(origin: Origin) -> str:
    title = escape(origin.title or "")
    if origin.kind is OriginKind.HIDDEN:
        return _("a hidden sender")
    labels = {
        OriginKind.PRIVATE_CHANNEL: _("private channel «{title}» (id {id})"),
        OriginKind.PRIVATE_CHAT: _("private group «{title}» (id {id})"),
        OriginKind.USER: _("account «{title}» (id {id})"),
    }
    return labels[origin.kind].format(title=title, id=origin.ref_id)


def taken_text(taken: Taken, draft: TipDraft, step: ReportStep) -> str:
    """What one message added, so the reporter sees the form understood it."""
    lines = []
    if taken.links:
        lines.append(
            ngettext("🔗 {count} link added.", "🔗 {count} links added.", taken.links).format(
                count=taken.links
            )
        )
    if taken.from_codes:
        lines.append(
            ngettext(
                "🔳 {count} of them was read from a QR code.",
                "🔳 {count} of them were read from a QR code.",
                taken.from_codes,
            ).format(count=taken.from_codes)
        )
    if taken.links_over_limit:
        lines.append(
            _("A report holds at most {limit} links; the rest were left out.").format(
                limit=MAX_LINKS
            )
        )
    if taken.origin:
        lines.append(_("↪️ Where the post came from was added."))
    if taken.photo:
        lines.append(
            _("📷 Photo {count} of {limit} added.").format(
                count=len(draft.photos), limit=MAX_PHOTOS
            )
        )
    if taken.photo_over_limit:
        lines.append(
            _("A report holds at most {limit} photos; this one was not added.").format(
                limit=MAX_PHOTOS
            )
        )
    if taken.words_as is ReportStep.PLACE:
        lines.append(_("🏠 Address added."))
    elif taken.words_as is ReportStep.DESCRIPTION and step is not ReportStep.DESCRIPTION:
        lines.append(_("📝 The words were kept as the description; you can change them later."))
    if taken.shortened:
        lines.append(
            _("The text was over the limit of {limit} characters, so I kept its beginning.").format(
                limit=MAX_DESCRIPTION
            )
        )
    return "\n".join(lines)


def no_link_text() -> str:
    return _(
        "I found no link or @username in this. Send the link, forward a post from the "
        "channel, or a photo of its QR code."
    )


def review_text(draft: TipDraft, library: Library, language: Language) -> str:
    """Every field that will be stored, and nothing else is stored (DESIGN.md)."""
    assert draft.category is not None
    lines = [_("<b>Check your report</b>"), ""]
    lines.append(_("What: {category}").format(category=escape(category_label(draft.category))))
    region = region_label(draft, library, language)
    lines.append(_("Region: {region}").format(region=escape(region)))
    lines += [link_line(link) for link in draft.links]
    lines += [
        _("↪️ Forwarded from: {origin}").format(origin=origin_label(origin))
        for origin in draft.origins
    ]
    if draft.address:
        lines.append(_("Address: {address}").format(address=escape(draft.address)))
    if draft.latitude is not None and draft.longitude is not None:
        lines.append(
            _("📍 Location: {lat:.5f}, {lon:.5f}").format(lat=draft.latitude, lon=draft.longitude)
        )
    if draft.description:
        lines.append(_("Description: {text}").format(text=escape(draft.description)))
    lines.append(_("Photos: {count}").format(count=len(draft.photos)))
    if draft.photos:
        lines.append(_("Photos are copied anew, without the hidden data a phone adds."))
    if draft.origins:
        # A class chat or a friend's account can point to the reporter as surely as a name.
        lines += [
            "",
            _(
                "⚠️ Where a post came from can point to you: a class or school chat, a "
                "friend's account. If so, take it out (✏️ Edit → 🗑)."
            ),
        ]
    else:
        lines += ["", _("Nothing here says who you are.")]
    return "\n".join(lines)


def removable_parts(draft: TipDraft) -> list[tuple[DraftPart, int, str]]:
    """What the reporter can take out of the draft, each with its label."""
    parts = [(DraftPart.LINK, n, link.url) for n, link in enumerate(draft.links)]
    parts += [(DraftPart.ORIGIN, n, origin_label(origin)) for n, origin in enumerate(draft.origins)]
    if draft.latitude is not None:
        parts.append((DraftPart.LOCATION, 0, _("📍 The location")))
    if draft.description:
        parts.append((DraftPart.DESCRIPTION, 0, _("📝 The description")))
    return parts


def receipt_text(code: str) -> str:
    return "\n\n".join(
        (
            _("✅ <b>Sent. Thank you!</b>"),
            _("Your receipt code:") + f"\n<code>{code}</code>",
            _(
                "Save it now: I show it only once and cannot recover it. To see what happened "
                "with your report, send /status {code}"
            ).format(code=code),
            _(
                "Moderators may ask you a question about it. Only /status shows their "
                "questions: I never write to you first about a report."
            ),
            _(
                "I've removed the report's messages from this chat. Telegram can also delete "
                "this chat's messages for you: tap my name, then ⋯ → Auto-delete."
            ),
        )
    )


def refusal_text(refusal: SendRefusal) -> str:
    texts = {
        SendRefusal.INCOMPLETE: _("Please add a link, a place or a description."),
        SendRefusal.SENDING: _("Your report is being sent."),
        SendRefusal.OVER_QUOTA: _("You have reached today's limit of reports."),
    }
    return texts[refusal]


def draft_gone_text() -> str:
    return _(
        "This report draft no longer exists: drafts are deleted after 30 minutes "
        "without activity. Start again with /report."
    )


def already_sent_text() -> str:
    return _(
        "This report was already sent. To see what happened with it, send "
        "/status and your receipt code; to write a new one, /report."
    )
