"""/status CODE: a reporter checks their tip with the receipt code, and nothing else."""

from __future__ import annotations

from html import escape

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.keyboards.labels import status_for_reporter
from bot.services.limits import SlidingLimit
from bot.services.tips import TipService


async def status_command(
    message: Message, command: CommandObject, tips: TipService, receipt_guesses: SlidingLimit
) -> None:
    if not command.args:
        await message.answer(
            _("Send /status and your receipt code, for example: /status ABCD-EFGH-JKMN-PQRS")
        )
        return
    # Limit guesses per chat, in memory: a code has 80 random bits, this only stops pestering.
    if not receipt_guesses.allow(message.chat.id):
        await message.answer(_("Too many tries. Please wait an hour and try again."))
        return
    tip = await tips.by_receipt(command.args)
    if tip is None:
        await message.answer(_("No report has this code. Check it and try again."))
        return
    lines = [_("Your report: {status}.").format(status=status_for_reporter(tip.status))]
    if tip.public_reply:
        lines += ["", _("Moderators' reply:"), escape(tip.public_reply)]
    await message.answer("\n".join(lines))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(status_command, Command("status"))
    return router
