"""What the broadcast composer shows about a message before it goes out: its audience (with
the "<5" rule) and the warnings of its preview."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _

from bot.domain import BroadcastContent, Language
from bot.services.stats import format_cell, suppress


def audience_text(counts: dict[Language, int], languages: tuple[Language, ...]) -> str:
    """Audience sizes with the "<5" rule: a breakdown with one small group is left out,
    since the total minus the others would give it away."""
    # "<5" is HTML-escaped: the message is sent in HTML parse mode.
    total = escape(format_cell(suppress(sum(counts.values()))))
    lines = [_("Audience: {total} subscribers.").format(total=total)]
    if all(suppress(counts[lang]) is not None for lang in languages):
        lines += [
            _("In Kazakh: {count}").format(count=counts[lang])
            if lang is Language.KK
            else _("In Russian: {count}").format(count=counts[lang])
            for lang in languages
        ]
    return "\n".join(lines)


def preview_summary(counts: dict[Language, int], content: BroadcastContent) -> str:
    """Under the preview: who will get it, and who will not for want of their language."""
    lines = [_("👆 This is what subscribers will see."), audience_text(counts, content.languages)]
    if content.text_kk is None:
        lines.append(_("⚠️ There is no Kazakh text: Kazakh-speaking subscribers will not get it."))
    if content.text_ru is None:
        lines.append(_("⚠️ There is no Russian text: Russian-speaking subscribers will not get it."))
    return "\n".join(lines)


def refused_text(error: str) -> str:
    return _("Telegram refused this message: {error}").format(error=escape(error))
