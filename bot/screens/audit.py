"""The audit trail as owners read it: newest first, in the bot's time zone."""

from __future__ import annotations

import datetime as dt
from html import escape

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.screens.common import show, utc_offset
from bot.services.audit import AuditService

ENTRIES = 25


async def show_audit(
    target: Message | CallbackQuery,
    audit: AuditService,
    tz: dt.tzinfo,
    actor_id: int | None = None,
) -> None:
    entries = await audit.recent(ENTRIES, actor_id)
    if not entries:
        await show(target, _("The audit trail has no entries yet."))
        return
    lines = [_("<b>Audit trail</b>, newest first ({zone})").format(zone=utc_offset(tz))]
    lines += [
        f"{e.created_at.astimezone(tz):%Y-%m-%d %H:%M} · {e.actor_id} · {escape(e.action)} · "
        f"{escape(e.target)}" + (f" · {escape(e.details)}" if e.details else "")
        for e in entries
    ]
    await show(target, "\n".join(lines))
