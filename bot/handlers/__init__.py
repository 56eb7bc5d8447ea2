"""Composes the feature routers in a deliberate order, scoped by chat type.

Order matters: onboarding and commands before features, the fallback router last, so that it
only sees what nothing else handled.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType

from bot.filters import Onboarded
from bot.handlers import (
    cancel,
    errors,
    fallback,
    groups,
    helplines,
    learn,
    membership,
    menu,
    onboarding,
    privacy,
    profile,
    quiz,
    settings,
)
from bot.keyboards.callbacks import Screen

# What the main menu offers, in order; a feature gets a button only once it is built.
MENU_FEATURES: tuple[Screen, ...] = (
    Screen.LEARN,
    Screen.QUIZ,
    Screen.HELP,
    Screen.SETTINGS,
    Screen.PRIVACY,
)


def _private_router() -> Router:
    private = Router(name="private")
    private.message.filter(F.chat.type == ChatType.PRIVATE)
    private.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)

    # Open to everyone, onboarded or not.
    private.include_routers(
        onboarding.create_router(),
        cancel.create_router(),
        privacy.create_router(),
        profile.create_router(),
    )

    # Features need a finished profile; others fall through to the fallback (onboarding).
    features = Router(name="features")
    features.message.filter(Onboarded())
    features.callback_query.filter(Onboarded())
    features.include_routers(
        menu.create_router(),
        settings.create_router(),
        helplines.create_router(),
        learn.create_router(),
        quiz.create_router(),
    )
    private.include_router(features)

    private.include_router(fallback.create_router())
    return private


def _group_router() -> Router:
    group = Router(name="groups")
    group.message.filter(F.chat.type.in_({ChatType.GROUP, ChatType.SUPERGROUP}))
    group.include_router(groups.create_router())
    return group


def build_routers() -> list[Router]:
    """Fresh routers for one dispatcher (a router can belong to only one, and tests build
    several), which is why each module offers `create_router()` instead of a module global."""
    return [
        errors.create_router(),
        membership.create_router(),
        _private_router(),
        _group_router(),
    ]
