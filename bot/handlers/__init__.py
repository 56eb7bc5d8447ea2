"""Composes the feature routers in a deliberate order, scoped by chat type and role.

Order matters: /help and /privacy first (open to everyone in a private chat, and handled by
no other router), then the staff routers (they only pass staff), onboarding and commands
before features, the fallback router last, so that it only sees what nothing else handled.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.enums import ChatType

from bot.filters import InChat, IsModerator, IsStaff, Onboarded
from bot.handlers import (
    about,
    admin,
    audit,
    broadcast_compose,
    broadcast_control,
    campaigns,
    cancel,
    course,
    errors,
    export,
    fallback,
    forget,
    groups,
    helplines,
    learn,
    membership,
    menu,
    moderation,
    onboarding,
    practice,
    profile,
    quiz,
    receipt_status,
    report,
    report_input,
    settings,
    shared_chat,
    stats,
    tip_queue,
)
from bot.keyboards.callbacks import Screen

# What the main menu offers, in order; a feature gets a button only once it is built.
MENU_FEATURES: tuple[Screen, ...] = (
    Screen.LEARN,
    Screen.QUIZ,
    Screen.PRACTICE,
    Screen.REPORT,
    Screen.HELP,
    Screen.SETTINGS,
    Screen.PRIVACY,
)


def _staff_router(moderator_chat_id: int | None) -> Router:
    """Staff act in their private chat with the bot or in the moderators' chat. Volunteers
    reach the tips (wall adverts of their region) and /admin; the rest is for moderators."""
    where = InChat(ChatType.PRIVATE, chat_id=moderator_chat_id)

    staff = Router(name="staff")
    staff.include_routers(
        admin.create_router(), moderation.create_router(), tip_queue.create_router()
    )

    moderators = Router(name="moderators")
    moderators.message.filter(IsModerator())
    moderators.callback_query.filter(IsModerator())
    moderators.include_routers(
        export.create_router(),
        broadcast_compose.create_router(),
        broadcast_control.create_router(),
        campaigns.create_router(),
        stats.create_router(),
        audit.create_router(),
    )
    # The staff check on the outer router: everyone else skips the whole subtree at once.
    outer = Router(name="staff-and-moderators")
    outer.message.filter(where, IsStaff())
    outer.callback_query.filter(where, IsStaff())
    if moderator_chat_id is not None:
        shared = shared_chat.create_router()
        shared.message.filter(InChat(chat_id=moderator_chat_id))
        shared.callback_query.filter(InChat(chat_id=moderator_chat_id))
        outer.include_router(shared)
    outer.include_routers(staff, moderators, admin.create_denied_router())
    return outer


def _private_router() -> Router:
    private = Router(name="private")
    private.message.filter(InChat(ChatType.PRIVATE))
    private.callback_query.filter(InChat(ChatType.PRIVATE))

    # aiogram tries routers in order, and each visit costs (bench/updates.py): the most
    # frequent first. Invites and /start, /cancel: open to everyone, onboarded or not.
    private.include_routers(
        admin.create_invite_router(),
        onboarding.create_router(),
        cancel.create_router(),
    )

    # Features need a finished profile; others fall through to the fallback (onboarding).
    # Their handlers are commands and their own buttons only, so they may come before the
    # rest without taking anything from it.
    features = Router(name="features")
    features.message.filter(Onboarded())
    features.callback_query.filter(Onboarded())
    features.include_routers(
        learn.create_router(),
        quiz.create_router(),
        practice.create_router(),
        course.create_router(),
        menu.create_router(),
        settings.create_router(),
        helplines.create_router(),
    )
    private.include_router(features)

    # Open to everyone again: an anonymous report needs no profile.
    private.include_routers(
        forget.create_router(),
        profile.create_router(),
        receipt_status.create_router(),
        report.create_router(),
    )

    # Text and photos typed into the report form, after the commands had their chance.
    private.include_router(report_input.create_router())
    private.include_router(fallback.create_router())
    return private


def _group_router() -> Router:
    group = Router(name="groups")
    group_chats = InChat(ChatType.GROUP, ChatType.SUPERGROUP)
    group.message.filter(group_chats)
    group.callback_query.filter(group_chats)
    group.include_router(groups.create_router())
    return group


def _help_router() -> Router:
    """/help, the most frequent command, reaches its handler through one router instead of
    three (the staff check and the private router), about 30 µs less per /help in
    bench/dispatch.py; it is open to everyone, so the staff routers had nothing to add."""
    router = about.create_router()
    router.message.filter(InChat(ChatType.PRIVATE))
    router.callback_query.filter(InChat(ChatType.PRIVATE))
    return router


def build_routers(moderator_chat_id: int | None) -> list[Router]:
    """Fresh routers for one dispatcher (a router can belong to only one, and tests build
    several), which is why each module offers `create_router()` instead of a module global."""
    return [
        _help_router(),
        _staff_router(moderator_chat_id),
        _private_router(),
        _group_router(),
        # Last because aiogram walks every router for every update: these two handle only
        # errors and my_chat_member, so messages and button presses never pass through them.
        membership.create_router(),
        errors.create_router(),
    ]
