"""How a tip looks to moderators: the card text, its action buttons, and its history.

Cards are always in the moderators' language (MODERATOR_LANGUAGE), never the reporter's, and
carry only what the tip says. They are composed by the bot: nothing is forwarded.
"""

from __future__ import annotations

import datetime as dt
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.domain import (
    TIP_TRANSITIONS,
    EventKind,
    Language,
    TipCategory,
    TipEvent,
    TipStatus,
    shorten,
)
from bot.keyboards.builder import InlineKeyboard
from bot.keyboards.callbacks import (
    TipAskInput,
    TipDetails,
    TipHistory,
    TipInputKind,
    TipOpen,
    TipSetStatus,
)
from bot.keyboards.labels import category_label, status_for_reporter, status_label
from bot.screens.common import utc_offset
from bot.screens.report import link_line, origin_label
from bot.services.content import Library
from bot.services.tips import TipView, open_questions

DATE = "%Y-%m-%d"
# Telegram's limit is 4096 characters; what a card quotes is cut well before that.
MESSAGE_LIMIT = 4096
QUOTE_LIMIT = 1500


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    return escape(shorten(text, limit))


def card_text(view: TipView, library: Library, language: Language, tz: dt.tzinfo) -> str:
    tip = view.tip
    region = library.region_name(tip.region, language) or _("region not given")
    lines = [
        _("<b>Tip #{id}</b> · {category} · {region}").format(
            id=tip.id, category=escape(category_label(tip.category)), region=escape(region)
        ),
        _("Status: {status}").format(status=status_label(tip.status)),
    ]
    lines += [link_line(link) for link in tip.links]
    lines += [
        _("↪️ Forwarded from: {origin}").format(origin=origin_label(origin))
        for origin in tip.origins
    ]
    if view.group is not None and view.group.size > 1:
        lines.append(
            _("🔁 Reported {count} times: first {first}, last {last}").format(
                count=view.group.size,
                first=view.group.first_reported.astimezone(tz).strftime(DATE),
                last=view.group.last_reported.astimezone(tz).strftime(DATE),
            )
        )
    if tip.address:
        lines.append(f"🏠 {quote(tip.address)}")
    if tip.latitude is not None and tip.longitude is not None:
        lines.append(
            _("🗺 Location: {lat:.5f}, {lon:.5f}").format(lat=tip.latitude, lon=tip.longitude)
        )
    if tip.description:
        lines += ["", quote(tip.description)]
    if tip.photo_count:
        lines.append(_("📷 Photos: {count}").format(count=tip.photo_count))
    if tip.purged:
        lines.append(_("🧹 Text and photos were deleted after the retention period."))
    lines += _follow_up_summary(view.events)
    # Stored to the hour (DESIGN.md), shown in TIMEZONE with its offset.
    received = tip.created_at.astimezone(tz)
    lines.append(
        _("Received {date}").format(date=f"{received:%Y-%m-%d %H:%M} {utc_offset(tz, received)}")
    )
    return "\n".join(lines)


def summary_text(view: TipView, library: Library, language: Language) -> str:
    """What every member of the shared moderators' chat may see: no text, link, photo or
    place, only what the tip is, where, how often, and its status."""
    tip = view.tip
    region = library.region_name(tip.region, language) or _("region not given")
    lines = [
        _("<b>Tip #{id}</b> · {category} · {region}").format(
            id=tip.id, category=escape(category_label(tip.category)), region=escape(region)
        ),
        _("Status: {status}").format(status=status_label(tip.status)),
    ]
    if view.group is not None and view.group.size > 1:
        lines.append(
            ngettext(
                "🔁 The same place was reported {count} time.",
                "🔁 The same place was reported {count} times.",
                view.group.size,
            ).format(count=view.group.size)
        )
    lines.append(_("Details open in your private chat with me: press 🔎."))
    return "\n".join(lines)


def answer_summary(view: TipView) -> str:
    return "\n".join(
        (
            _("<b>Tip #{id}</b>: the reporter answered a question.").format(id=view.tip.id),
            _("Details open in your private chat with me: press 🔎."),
        )
    )


def summary_keyboard(view: TipView) -> InlineKeyboardMarkup:
    """Status buttons (a status is no secret in the shared chat) and the way to the details."""
    builder = InlineKeyboard()
    for status in next_statuses(view):
        builder.button(
            text=status_label(status), callback_data=TipSetStatus(tip=view.tip.id, status=status)
        )
    builder.adjust(2)
    builder.row(
        InlineKeyboardButton(
            text=_("🔎 Details"), callback_data=TipDetails(tip=view.tip.id).pack()
        ),
        InlineKeyboardButton(text=_("🔄 Refresh"), callback_data=TipOpen(tip=view.tip.id).pack()),
    )
    return builder.as_markup()


def _follow_up_summary(events: tuple[TipEvent, ...]) -> list[str]:
    said = [e for e in events if e.kind in (EventKind.REPLY, EventKind.QUESTION)]
    answers = [e for e in events if e.kind is EventKind.ANSWER]
    if not said and not answers:
        return []
    waiting = len(open_questions(events))
    return [
        "",
        _("💬 To the reporter: {said} · answers: {answers} · open questions: {waiting}").format(
            said=len(said), answers=len(answers), waiting=waiting
        ),
    ]


def event_line(event: TipEvent, *, for_reporter: bool) -> str:
    """One entry of a tip's history, dated."""
    date = event.created_on.strftime(DATE)
    if event.kind is EventKind.STATUS:
        assert event.status is not None
        label = status_for_reporter if for_reporter else status_label
        return _("{date} · status: {status}").format(date=date, status=label(event.status))
    text = quote(event.text or _("(deleted after the retention period)"), 600)
    if event.kind is EventKind.REPLY:
        return _("{date} · 💬 Moderators: {text}").format(date=date, text=text)
    if event.kind is EventKind.QUESTION:
        return _("{date} · ❓ Question #{id}: {text}").format(date=date, id=event.id, text=text)
    who = _("Your answer") if for_reporter else _("Reporter's answer")
    line = _("{date} · ✍️ {who} to #{question}: {text}").format(
        date=date, who=who, question=event.question_id, text=text
    )
    if event.photo_count:
        line += " " + _("(with a photo)")
    return line


def history_text(title: str, events: tuple[TipEvent, ...], *, for_reporter: bool) -> str:
    """The history, oldest first; when it is too long for one message, the oldest entries
    give way to the newest."""
    lines = [event_line(e, for_reporter=for_reporter) for e in events]
    if not lines:
        lines = [_("Nothing has happened yet.")]
    budget = MESSAGE_LIMIT - len(title) - 200
    kept: list[str] = []
    for line in reversed(lines):
        budget -= len(line) + 1
        if budget < 0:
            kept.append(_("… earlier entries are not shown."))
            break
        kept.append(line)
    return "\n".join([title, "", *reversed(kept)])


def answer_notice(view: TipView, answer: TipEvent) -> str:
    """What moderators read when a reporter answers: the question, then the answer."""
    question = next((e for e in view.events if e.id == answer.question_id), None)
    lines = [
        _("<b>Tip #{id}</b>: the reporter answered a question.").format(id=view.tip.id),
    ]
    if question is not None and question.text:
        lines.append(_("❓ Question: {text}").format(text=quote(question.text, 600)))
    lines.append(_("✍️ Answer: {text}").format(text=quote(answer.text or "")))
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

    def ask(text: str, kind: TipInputKind) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            text=text, callback_data=TipAskInput(tip=view.tip.id, kind=kind).pack()
        )

    builder.row(
        ask(_("📝 Note"), TipInputKind.NOTE), ask(_("💬 Reply to reporter"), TipInputKind.REPLY)
    )
    builder.row(
        ask(_("❓ Ask the reporter"), TipInputKind.QUESTION),
        InlineKeyboardButton(
            text=_("📜 History"), callback_data=TipHistory(tip=view.tip.id).pack()
        ),
    )
    builder.row(refresh)
    return builder.as_markup()


def preview_text(tip_id: int, kind: EventKind, text: str) -> str:
    """A reply or a question as the reporter will read it, before it is saved."""
    titles = {
        EventKind.REPLY: _("Preview of your reply to the reporter of tip #{id}:"),
        EventKind.QUESTION: _("Preview of your question to the reporter of tip #{id}:"),
    }
    lines = [titles[kind].format(id=tip_id), "", f"<blockquote>{quote(text)}</blockquote>", ""]
    lines.append(_("The reporter can read it only after you press Confirm."))
    return "\n".join(lines)


def reporter_history(view: TipView) -> str:
    """What /status shows the reporter: the status in words, then the history, oldest first."""
    tip = view.tip
    title = "\n".join(
        (
            _("Your report: {status}.").format(status=status_for_reporter(tip.status)),
            _("Sent on {date}.").format(date=tip.created_at.strftime(DATE)),
        )
    )
    text = history_text(title, view.events, for_reporter=True)
    if open_questions(view.events):
        text += "\n\n" + _("The moderators asked you something: answer with the buttons below.")
    return text


def no_links_text() -> str:
    return _(
        "A reply or question can't hold a link or an @username: opening it could tell its "
        "owner who the reporter is. Write it again without them."
    )


def receipt_again() -> str:
    """A reporter answers only within 30 idle minutes of showing the receipt in this chat."""
    return _("To answer, send /status and your receipt code again.")


def answer_prompt(question: TipEvent) -> str:
    return _(
        "Question: {question}\n\nWrite your answer in one message. You may add one photo "
        "with the answer as its caption. Don't write anything about yourself. /cancel stops."
    ).format(question=question.text or "")


def answer_thanks() -> str:
    return _("Thank you! Your answer was added to the report. See it with /status and your code.")
