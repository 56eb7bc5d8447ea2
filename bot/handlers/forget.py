"""/forget: a user deletes everything the bot keeps about them, after a confirmation."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.keyboards.builder import InlineKeyboard
from bot.keyboards.callbacks import ForgetMe
from bot.screens.common import show
from bot.services.privacy import PrivacyService


async def forget_command(message: Message) -> None:
    builder = InlineKeyboard()
    builder.button(text=_("🗑 Yes, delete everything"), callback_data=ForgetMe(confirmed=True))
    builder.button(text=_("No, keep it"), callback_data=ForgetMe(confirmed=False))
    builder.adjust(1)
    await message.answer(
        _(
            "This deletes everything I keep about you: your language, role, region, "
            "subscription, quiz results and votes. Anonymous reports stay: they hold nothing "
            "about you, so your receipt codes keep working. Delete?"
        ),
        reply_markup=builder.as_markup(),
    )


async def forget_answer(
    callback: CallbackQuery,
    callback_data: ForgetMe,
    privacy: PrivacyService,
    state: FSMContext,
) -> None:
    if not callback_data.confirmed:
        await show(callback, _("Nothing was deleted."))
        return
    await privacy.forget(callback.from_user.id)
    await state.clear()
    await show(callback, _("Done: everything about you is deleted. Send /start to begin again."))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(forget_command, Command("forget"))
    router.callback_query.register(forget_answer, ForgetMe.filter())
    return router
