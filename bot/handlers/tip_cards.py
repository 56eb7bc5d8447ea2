"""How a tip looks to moderators: the card text, its action buttons, and posting it.

Cards are always in the moderators' language (MODERATOR_LANGUAGE), never the reporter's, and
carry only what the tip says. They are composed by the bot: nothing is forwarded.
"""

from __future__ import annotations

from html import escape

from aiogram import Bot
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.domain import TIP_TRANSITIONS, Language, TipCategory, TipStatus
from bot.keyboards.builder import InlineKeyboard
from bot.keyboards.callbacks import TipAskInput, TipInputKind, TipOpen, TipSetStatus
from bot.keyboards.labels import category_label, status_label
from bot.services.content import Library
from bot.services.tips import TipView

DATE = "%Y-%m-%d"


def card_text(view: TipView, library: Library, language: Language) -> str:
    tip = view.tip
    region = library.region_name(tip.region, language) or _("region not given")
    lines = [
        _("<b>Tip #{id}</b> · {category} · {region}").format(
            id=tip.id, category=escape(category_label(tip.category)), region=escape(region)
        ),
        _("Status: {status}").format(status=status_label(tip.status)),
    ]
    if tip.place_key:
        lines.append(f"🔗 {escape(tip.place_key)}")
    if view.group is not None and view.group.size > 1:
        lines.append(
            _("🔁 Reported {count} times: first {first}, last {last}").format(
                count=view.group.size,
                first=view.group.first_reported.strftime(DATE),
                last=view.group.last_reported.strftime(DATE),
            )
        )
    if tip.address:
        lines.append(f"🏠 {escape(tip.address)}")
    if tip.latitude is not None and tip.longitude is not None:
        lines.append(
            _("🗺 Location: {lat:.5f}, {lon:.5f}").format(lat=tip.latitude, lon=tip.longitude)
        )
    if tip.description:
        lines += ["", escape(tip.description)]
    if tip.photo_file_ids:
        lines.append(_("📷 Photos: {count}").format(count=len(tip.photo_file_ids)))
    if tip.purged:
        lines.append(_("🧹 Text and photos were deleted after the retention period."))
    if tip.public_reply:
        lines += ["", _("💬 Reply to the reporter: {text}").format(text=escape(tip.public_reply))]
    lines.append(_("Received {date} (UTC)").format(date=tip.created_at.strftime("%Y-%m-%d %H:%M")))
    return "\n".join(lines)


def next_statuses(view: TipView) -> list[TipStatus]:
    """The statuses a moderator may choose now; some only make sense for some tips."""
    allowed = []
    for status in TIP_TRANSITIONS[view.tip.status]:
        if status is TipStatus.PAINTED and view.tip.category is not TipCategory.WALL_ADVERT:
            continue
        if status is TipStatus.DUPLICATE and (
            view.group is None or view.group.first_tip_id == view.tip.id
        ):
            continue
        allowed.append(status)
    return allowed


def volunteer_may_paint(view: TipView) -> bool:
    return view.tip.category is TipCategory.WALL_ADVERT and view.tip.status.is_unresolved


def card_keyboard(view: TipView, *, volunteer: bool = False) -> InlineKeyboardMarkup:
    """The card's actions; a volunteer can only mark a wall advert painted over."""
    builder = InlineKeyboard()
    if volunteer:
        statuses = [TipStatus.PAINTED] if volunteer_may_paint(view) else []
    else:
        statuses = next_statuses(view)
    for status in statuses:
        builder.button(
            text=status_label(status), callback_data=TipSetStatus(tip=view.tip.id, status=status)
        )
    builder.adjust(2)
    refresh = InlineKeyboardButton(
        text=_("🔄 Refresh"), callback_data=TipOpen(tip=view.tip.id).pack()
    )
    if volunteer:
        builder.row(refresh)
        return builder.as_markup()
    builder.row(
        InlineKeyboardButton(
            text=_("📝 Note"),
            callback_data=TipAskInput(tip=view.tip.id, kind=TipInputKind.NOTE).pack(),
        ),
        InlineKeyboardButton(
            text=_("💬 Reply to reporter"),
            callback_data=TipAskInput(tip=view.tip.id, kind=TipInputKind.REPLY).pack(),
        ),
    )
    builder.row(refresh)
    return builder.as_markup()


async def post_tip(
    bot: Bot, chat_id: int, view: TipView, library: Library, language: Language
) -> None:
    """Post a new tip to the moderators: its photos and location, then the card."""
    tip = view.tip
    for number, file_id in enumerate(tip.photo_file_ids, start=1):
        caption = _("Tip #{id}, photo {number} of {count}").format(
            id=tip.id, number=number, count=len(tip.photo_file_ids)
        )
        await bot.send_photo(chat_id, file_id, caption=caption)
    if tip.latitude is not None and tip.longitude is not None:
        await bot.send_location(chat_id, latitude=tip.latitude, longitude=tip.longitude)
    await bot.send_message(
        chat_id, card_text(view, library, language), reply_markup=card_keyboard(view)
    )
