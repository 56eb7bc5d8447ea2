"""/audit [ID]: owners read the append-only trail of moderator actions."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.arguments import TELEGRAM_ID
from bot.config import Settings
from bot.filters import IsOwner, menu
from bot.keyboards.callbacks import AdminAction
from bot.screens.audit import show_audit
from bot.services.audit import AuditService
from bot.services.roles import StaffMember


async def audit_menu(callback: CallbackQuery, audit: AuditService, settings: Settings) -> None:
    """🧾 in the /admin menu (owners only, by the router's filter)."""
    await show_audit(callback, audit, settings.tz)


async def audit_command(
    message: Message,
    command: CommandObject,
    member: StaffMember,
    audit: AuditService,
    settings: Settings,
) -> None:
    actor = command.args.strip() if command.args else ""
    if actor and not TELEGRAM_ID.fullmatch(actor):
        await message.answer(_("Use: /audit, or /audit ID for one person's actions."))
        return
    await show_audit(message, audit, settings.tz, int(actor) if actor else None)


async def owners_only(message: Message) -> None:
    await message.answer(_("Only owners can read the audit trail."))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(audit_command, IsOwner(), Command("audit"))
    router.message.register(owners_only, Command("audit"))
    router.callback_query.register(audit_menu, IsOwner(), menu(AdminAction.AUDIT))
    return router
