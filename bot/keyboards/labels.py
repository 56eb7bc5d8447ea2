"""Translated names of tip categories and statuses, for reporters and moderators."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.domain import TipCategory, TipStatus


def category_label(category: TipCategory) -> str:
    labels = {
        TipCategory.CHANNEL: _("📢 Telegram channel, bot or chat"),
        TipCategory.WEBSITE: _("🌐 Website or social network"),
        TipCategory.WALL_ADVERT: _("🧱 Advert on a wall, graffiti or QR code"),
        TipCategory.STASH: _("📍 A stash (закладка)"),
        TipCategory.RECRUITING: _("🎣 Someone recruiting teenagers"),
        TipCategory.OTHER: _("❓ Something else"),
    }
    return labels[category]


def status_label(status: TipStatus) -> str:
    """The moderators' name of a status."""
    labels = {
        TipStatus.NEW: _("🆕 New"),
        TipStatus.IN_REVIEW: _("👀 In review"),
        TipStatus.CONFIRMED: _("✔️ Confirmed"),
        TipStatus.POLICE: _("👮 Passed to police"),
        TipStatus.BLOCKING: _("⛔ Sent for blocking"),
        TipStatus.PAINTED: _("🎨 Painted over"),
        TipStatus.CLOSED: _("🏁 Closed"),
        TipStatus.REJECTED: _("🚫 Rejected"),
        TipStatus.DUPLICATE: _("🔁 Duplicate"),
    }
    return labels[status]


def status_for_reporter(status: TipStatus) -> str:
    """What the status means, in words for the person who sent the tip."""
    texts = {
        TipStatus.NEW: _("received, waiting for a moderator"),
        TipStatus.IN_REVIEW: _("a moderator is looking at it"),
        TipStatus.CONFIRMED: _("confirmed by the moderators"),
        TipStatus.POLICE: _("passed to the police"),
        TipStatus.BLOCKING: _("sent to be blocked"),
        TipStatus.PAINTED: _("the advert was painted over"),
        TipStatus.CLOSED: _("closed: the work on it is finished"),
        TipStatus.REJECTED: _("closed without action (not enough to act on)"),
        TipStatus.DUPLICATE: _("others reported the same place; it is handled together"),
    }
    return texts[status]
