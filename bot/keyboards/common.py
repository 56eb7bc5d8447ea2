"""Labels and keyboards shared by several screens: languages, roles, regions, the menu."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.domain import Language, Profile, Role
from bot.keyboards.builder import InlineKeyboard
from bot.keyboards.cache import per_language
from bot.keyboards.callbacks import (
    NO_REGION,
    OpenScreen,
    PickLanguage,
    PickRegion,
    PickRole,
    PickSubscription,
    Screen,
)
from bot.services.content import Library

# Each language's name in itself, so it is recognisable whatever the current language.
LANGUAGE_NAMES = {Language.KK: "🇰🇿 Қазақша", Language.RU: "🇷🇺 Русский"}


def role_label(role: Role) -> str:
    labels = {
        Role.TEEN: _("🧑 Teenager"),
        Role.PARENT: _("👪 Parent"),
        Role.TEACHER: _("🧑‍🏫 Teacher or specialist"),
    }
    return labels[role]


def menu_button(text: str | None = None) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text or _("⬅️ Menu"), callback_data=OpenScreen(screen=Screen.MENU).pack()
    )


@per_language
def main_menu(features: Sequence[Screen]) -> InlineKeyboardMarkup:
    """The main menu; only features that are built and enabled get a button."""
    labels = {
        Screen.LEARN: _("📚 Learn"),
        Screen.QUIZ: _("🧩 Quiz"),
        Screen.PRACTICE: _("🎭 Practice"),
        Screen.REPORT: _("🕵️ Report anonymously"),
        Screen.HELP: _("🆘 Get help now"),
        Screen.SETTINGS: _("⚙️ Settings"),
        Screen.PRIVACY: _("🔒 Privacy"),
    }
    builder = InlineKeyboard()
    for screen in features:
        builder.button(text=labels[screen], callback_data=OpenScreen(screen=screen))
    builder.adjust(2)
    return builder.as_markup()


@per_language
def only_menu_button() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[menu_button()]])


@per_language
def language_keyboard(onboarding: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for language, name in LANGUAGE_NAMES.items():
        builder.button(
            text=name, callback_data=PickLanguage(language=language, onboarding=onboarding)
        )
    return _with_back(builder, onboarding)


@per_language
def role_keyboard(onboarding: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for role in Role:
        builder.button(
            text=role_label(role), callback_data=PickRole(role=role, onboarding=onboarding)
        )
    builder.adjust(1)
    return _with_back(builder, onboarding)


def region_keyboard(library: Library, language: Language, onboarding: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    for region in library.regions:
        builder.button(
            text=region.name.get(language),
            callback_data=PickRegion(code=region.code, onboarding=onboarding),
        )
    builder.button(text=_("Skip"), callback_data=PickRegion(code=NO_REGION, onboarding=onboarding))
    builder.adjust(2)
    return _with_back(builder, onboarding)


def _with_back(builder: InlineKeyboard, onboarding: bool) -> InlineKeyboardMarkup:
    """Settings screens get a way back; onboarding questions must be answered."""
    if not onboarding:
        builder.row(
            InlineKeyboardButton(
                text=_("⬅️ Back"), callback_data=OpenScreen(screen=Screen.SETTINGS).pack()
            )
        )
    return builder.as_markup()


@per_language
def subscription_keyboard(onboarding: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboard()
    builder.button(
        text=_("✅ Yes, send them"), callback_data=PickSubscription(on=True, onboarding=onboarding)
    )
    builder.button(
        text=_("No, thanks"), callback_data=PickSubscription(on=False, onboarding=onboarding)
    )
    builder.adjust(1)
    return builder.as_markup()


def describe_profile(profile: Profile, library: Library) -> str:
    """The settings summary, one line per setting."""
    region = library.region_name(profile.region, profile.language) or _("not set")
    role = role_label(profile.role) if profile.role else _("not set")
    campaigns = _("on") if profile.subscribed else _("off")
    return "\n".join(
        (
            _("Language: {language}").format(language=LANGUAGE_NAMES[profile.language]),
            _("Who you are: {role}").format(role=role),
            _("Region: {region}").format(region=region),
            _("Campaign messages: {state}").format(state=campaigns),
        )
    )
