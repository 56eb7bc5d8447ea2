"""/cancel: leave any flow, discarding what it held (a draft never outlives its flow)."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.domain import Profile
from bot.keyboards.callbacks import Screen
from bot.screens.common import show_menu
from bot.screens.receipt import show_held_receipt
from bot.services.drafts import DraftStore


async def cancel_command(
    message: Message,
    state: FSMContext,
    profile: Profile | None,
    features: Sequence[Screen],
    drafts: DraftStore,
) -> None:
    if await show_held_receipt(message, drafts, state):
        return  # a stored report's receipt, not yet seen: nothing left to cancel
    had_flow = await state.get_state() is not None
    await state.clear()
    await drafts.discard(message.chat.id)
    await message.answer(_("Cancelled.") if had_flow else _("There is nothing to cancel."))
    if profile is not None and profile.onboarded:
        await show_menu(message, features)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cancel_command, Command("cancel"))
    return router
