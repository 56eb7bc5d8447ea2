"""UserService and the users repository on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.db import Database
from bot.domain import Language, Role
from bot.services.users import InvalidChoiceError, UnknownUserError, UserService
from tests.conftest import TODAY
from tests.engines import columns


async def test_onboarding_stores_only_the_profile(users: UserService, db: Database) -> None:
    await users.choose_language(42, Language.KK)
    await users.set_role(42, Role.PARENT)
    await users.set_region(42, "astana")
    profile = await users.finish_onboarding(42, subscribed=True)

    assert profile.language is Language.KK
    assert profile.role is Role.PARENT
    assert profile.region == "astana"
    assert profile.subscribed and profile.onboarded
    assert profile.created_on == TODAY
    # DESIGN.md: no names, usernames, phone numbers or last-seen times.
    assert await columns(db, "users") == {
        "chat_id",
        "language",
        "role",
        "region",
        "subscribed",
        "onboarded",
        "created_on",
    }


async def test_choosing_a_language_again_keeps_the_profile(users: UserService) -> None:
    await users.choose_language(7, Language.RU)
    await users.set_role(7, Role.TEEN)
    profile = await users.choose_language(7, Language.KK)
    assert profile.language is Language.KK
    assert profile.role is Role.TEEN


async def test_unknown_region_is_refused(users: UserService) -> None:
    await users.choose_language(7, Language.RU)
    with pytest.raises(InvalidChoiceError):
        await users.set_region(7, "atlantis")
    assert (await users.set_region(7, None)).region is None


async def test_changing_an_unknown_user_fails_clearly(users: UserService) -> None:
    with pytest.raises(UnknownUserError):
        await users.set_role(99, Role.TEEN)
    assert await users.get(99) is None


async def test_unsubscribe(users: UserService) -> None:
    await users.choose_language(5, Language.RU)
    await users.finish_onboarding(5, subscribed=True)
    await users.unsubscribe_unreachable(5)
    profile = await users.get(5)
    assert profile is not None and not profile.subscribed


async def test_failed_transaction_is_rolled_back(db: Database, users: UserService) -> None:
    await users.choose_language(1, Language.RU)

    async def change_then_fail() -> None:
        async with db.transaction() as conn:
            await conn.execute(text("UPDATE users SET language = 'kk' WHERE chat_id = 1"))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await change_then_fail()
    profile = await users.get(1)
    assert profile is not None and profile.language is Language.RU
