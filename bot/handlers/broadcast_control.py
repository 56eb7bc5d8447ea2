"""/broadcasts: recent broadcasts with their counts; pause, resume and cancel."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.delivery import progress_text, status_name
from bot.domain import Broadcast
from bot.filters import menu
from bot.keyboards.broadcast import broadcast_controls
from bot.keyboards.builder import InlineKeyboard
from bot.keyboards.callbacks import AdminAction, BroadcastAct, BroadcastOpen
from bot.screens.common import show
from bot.services.broadcasts import (
    BroadcastControl,
    BroadcastNotFoundError,
    BroadcastService,
    BroadcastStateError,
)
from bot.services.roles import PermissionDeniedError, StaffMember


def _line(broadcast: Broadcast) -> str:
    origin = _("campaign") if broadcast.idempotency_key else _("moderator")
    return _("#{id} {status} ({origin}): {done} of {total}").format(
        id=broadcast.id,
        status=status_name(broadcast.status),
        origin=origin,
        done=broadcast.done_count,
        total=broadcast.total,
    )


async def show_broadcasts(
    target: Message | CallbackQuery, member: StaffMember, broadcasts: BroadcastService
) -> None:
    recent = await broadcasts.recent_as(member)
    if not recent:
        await show(target, _("No broadcasts yet. Start one with /broadcast."))
        return
    builder = InlineKeyboard()
    for broadcast in recent:
        builder.button(text=_line(broadcast), callback_data=BroadcastOpen(broadcast=broadcast.id))
    builder.adjust(1)
    await show(target, _("<b>Recent broadcasts</b>"), builder.as_markup())


async def broadcasts_command(
    target: Message | CallbackQuery, member: StaffMember, broadcasts: BroadcastService
) -> None:
    """/broadcasts, or 📣 in the /admin menu."""
    await show_broadcasts(target, member, broadcasts)


async def _in_scope(
    callback: CallbackQuery, broadcast_id: int, member: StaffMember, broadcasts: BroadcastService
) -> Broadcast | None:
    try:
        return await broadcasts.get_as(broadcast_id, member)
    except BroadcastNotFoundError:
        await callback.answer(_("This broadcast no longer exists."), show_alert=True)
    except PermissionDeniedError:
        await callback.answer(_("This broadcast is outside your region."), show_alert=True)
    return None


async def open_broadcast(
    callback: CallbackQuery,
    callback_data: BroadcastOpen,
    member: StaffMember,
    broadcasts: BroadcastService,
) -> None:
    broadcast = await _in_scope(callback, callback_data.broadcast, member, broadcasts)
    if broadcast is not None:
        await show(callback, progress_text(broadcast, None), broadcast_controls(broadcast))


async def control_broadcast(
    callback: CallbackQuery,
    callback_data: BroadcastAct,
    member: StaffMember,
    broadcasts: BroadcastService,
) -> None:
    if await _in_scope(callback, callback_data.broadcast, member, broadcasts) is None:
        return
    alert = None
    try:
        control = BroadcastControl(callback_data.control)
        broadcast = await broadcasts.control(callback_data.broadcast, control, member)
    except (ValueError, BroadcastStateError):
        alert = _("That can't be done now; the card was refreshed.")
        broadcast = await broadcasts.get(callback_data.broadcast)
    await show(callback, progress_text(broadcast, None), broadcast_controls(broadcast), alert=alert)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(broadcasts_command, Command("broadcasts"))
    router.callback_query.register(broadcasts_command, menu(AdminAction.BROADCASTS))
    router.callback_query.register(open_broadcast, BroadcastOpen.filter())
    router.callback_query.register(control_broadcast, BroadcastAct.filter())
    return router
