"""/audit [ID]: owners read the append-only trail of moderator actions."""

from __future__ import annotations

from html import escape

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.handlers.ids import TELEGRAM_ID
from bot.screens.common import show
from bot.services.audit import AuditService
from bot.services.roles import StaffMember

ENTRIES = 25


async def audit_command(
    message: Message, command: CommandObject, member: StaffMember, audit: AuditService
) -> None:
    if not member.is_owner:
        await message.answer(_("Only owners can read the audit trail."))
        return
    actor = command.args.strip() if command.args else ""
    if actor and not TELEGRAM_ID.fullmatch(actor):
        await message.answer(_("Use: /audit, or /audit ID for one person's actions."))
        return
    await show_audit(message, audit, int(actor) if actor else None)


async def show_audit(
    target: Message | CallbackQuery, audit: AuditService, actor_id: int | None = None
) -> None:
    entries = await audit.recent(ENTRIES, actor_id)
    if not entries:
        await show(target, _("The audit trail has no entries yet."))
        return
    lines = [_("<b>Audit trail</b>, newest first (UTC)")]
    lines += [
        f"{e.created_at:%Y-%m-%d %H:%M} · {e.actor_id} · {escape(e.action)} · "
        f"{escape(e.target)}" + (f" · {escape(e.details)}" if e.details else "")
        for e in entries
    ]
    await show(target, "\n".join(lines))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(audit_command, Command("audit"))
    return router
