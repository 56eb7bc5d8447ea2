"""/export [FROM] [TO] [STATUS]: tips as a CSV file for the police (never receipts)."""

from __future__ import annotations

import datetime as dt

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message
from aiogram.utils.i18n import gettext as _

from bot.domain import TipStatus, parse_enum
from bot.services.roles import StaffMember
from bot.services.tips import TipService

DEFAULT_DAYS = 30


class ExportArgumentsError(ValueError):
    pass


def parse_arguments(args: str | None, today: dt.date) -> tuple[dt.date, dt.date, TipStatus | None]:
    """`[FROM] [TO] [STATUS]`, dates as YYYY-MM-DD; by default the last 30 days, any status."""
    dates: list[dt.date] = []
    status: TipStatus | None = None
    for word in (args or "").split():
        if (parsed := parse_enum(TipStatus, word)) is not None:
            status = parsed
            continue
        try:
            dates.append(dt.date.fromisoformat(word))
        except ValueError:
            raise ExportArgumentsError(word) from None
    if len(dates) > 2:
        raise ExportArgumentsError(" ".join(map(str, dates)))
    since = dates[0] if dates else today - dt.timedelta(days=DEFAULT_DAYS)
    until = dates[1] if len(dates) == 2 else today
    if since > until:
        raise ExportArgumentsError(f"{since} > {until}")
    return since, until, status


async def export_command(
    message: Message, command: CommandObject, member: StaffMember, tips: TipService
) -> None:
    today = dt.datetime.now(dt.UTC).date()
    try:
        since, until, status = parse_arguments(command.args, today)
    except ExportArgumentsError:
        await message.answer(
            _(
                "Use: /export [FROM] [TO] [STATUS], dates as YYYY-MM-DD, for example "
                "/export 2026-06-01 2026-06-30 confirmed. Statuses: {statuses}."
            ).format(statuses=", ".join(s.value for s in TipStatus))
        )
        return
    content, count = await tips.export_csv(since, until, status, member)
    name = f"tips_{since}_{until}" + (f"_{status.value}" if status else "") + ".csv"
    await message.answer_document(
        BufferedInputFile(content, filename=name),
        caption=_("{count} tips from {since} to {until}.").format(
            count=count, since=since, until=until
        ),
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(export_command, Command("export"))
    return router
