"""“Get help now”: helplines from the operator-editable help.yaml."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.types import CallbackQuery

from bot.domain import Profile
from bot.keyboards.callbacks import OpenScreen, Screen
from bot.keyboards.common import only_menu_button
from bot.screens.common import show
from bot.services.content import Library


def helplines_text(library: Library, profile: Profile) -> str:
    language = profile.language
    lines = [escape(library.help.intro.get(language)), ""]
    # Emergency numbers first: someone in danger should not have to read the rest.
    for contact in sorted(library.help.contacts, key=lambda c: not c.urgent):
        icon = "🚨" if contact.urgent else "☎️"
        lines.append(
            f"{icon} <b>{escape(contact.phone)}</b> — {escape(contact.name.get(language))}"
        )
        lines.append(escape(contact.description.get(language)))
        lines.append("")
    return "\n".join(lines).strip()


async def helplines_button(callback: CallbackQuery, profile: Profile, library: Library) -> None:
    await show(callback, helplines_text(library, profile), only_menu_button())


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(helplines_button, OpenScreen.filter(F.screen == Screen.HELP))
    return router
