"""RoleService: invites (single use, expiry, wrong token), adding and removing staff, audit."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.db import Database
from bot.services.roles import (
    InviteError,
    PermissionDeniedError,
    RoleError,
    RoleService,
    StaffRole,
)
from tests.clock import Clock
from tests.engines import fetch

OWNER = 1


@pytest.fixture
def clock() -> Clock[dt.datetime]:
    return Clock(dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC))


@pytest.fixture
def roles(db: Database, clock: Clock[dt.datetime]) -> RoleService:
    return RoleService(db, frozenset({OWNER}), clock)


async def test_an_invite_works_once(roles: RoleService) -> None:
    token = await roles.create_invite(OWNER, StaffRole.MODERATOR, "astana")
    assert token.startswith("inv_") and len(token) <= 64  # fits a t.me start parameter
    member = await roles.accept_invite(token, 42)
    assert (member.role, member.region) == (StaffRole.MODERATOR, "astana")
    assert await roles.member(42) == member
    with pytest.raises(InviteError):
        await roles.accept_invite(token, 43)
    assert await roles.member(43) is None


async def test_an_invite_expires_after_a_day(roles: RoleService, clock: Clock[dt.datetime]) -> None:
    token = await roles.create_invite(OWNER, StaffRole.VOLUNTEER, None)
    clock.now += dt.timedelta(hours=24)
    with pytest.raises(InviteError):
        await roles.accept_invite(token, 42)


async def test_a_wrong_token_is_refused(roles: RoleService) -> None:
    await roles.create_invite(OWNER, StaffRole.MODERATOR, None)
    with pytest.raises(InviteError):
        await roles.accept_invite("inv_not-a-real-token", 42)


async def test_the_token_is_stored_only_as_a_hash(roles: RoleService, db: Database) -> None:
    token = await roles.create_invite(OWNER, StaffRole.MODERATOR, None)
    rows = " ".join(str(row) for row in await fetch(db, "SELECT * FROM staff_invites"))
    assert token not in rows and token.removeprefix("inv_") not in rows


async def test_add_remove_and_owners_are_fixed(roles: RoleService, db: Database) -> None:
    await roles.add(OWNER, 7, StaffRole.VOLUNTEER, "almaty")
    assert [m.user_id for m in await roles.team()] == [OWNER, 7]
    with pytest.raises(RoleError):
        await roles.add(OWNER, OWNER, StaffRole.MODERATOR, None)
    with pytest.raises(RoleError):
        await roles.remove(OWNER, OWNER)
    assert await roles.remove(OWNER, 7)
    assert not await roles.remove(OWNER, 7)
    actions = await fetch(db, "SELECT action FROM audit_log ORDER BY id")
    assert [row[0] for row in actions] == ["staff.add", "staff.remove"]


async def test_only_owners_change_the_team_whatever_a_handler_checked(
    roles: RoleService,
) -> None:
    moderator = (await roles.add(OWNER, 50, StaffRole.MODERATOR, None)).user_id
    for change in (
        roles.add(moderator, 51, StaffRole.MODERATOR, None),
        roles.remove(moderator, 50),
        roles.create_invite(moderator, StaffRole.MODERATOR, None),
        roles.revoke_invite(moderator, 1),
        roles.open_invites(moderator),
    ):
        with pytest.raises(PermissionDeniedError):
            await change
    assert await roles.member(51) is None and await roles.member(50) is not None


async def test_a_bound_invite_is_for_its_account_and_can_be_revoked(roles: RoleService) -> None:
    token = await roles.create_invite(OWNER, StaffRole.VOLUNTEER, "almaty", for_user=60)
    with pytest.raises(InviteError):
        await roles.accept_invite(token, 61)
    assert (await roles.accept_invite(token, 60)).region == "almaty"
    other = await roles.create_invite(OWNER, StaffRole.MODERATOR, None)
    [invite] = await roles.open_invites(OWNER)
    assert await roles.revoke_invite(OWNER, invite.id)
    assert not await roles.revoke_invite(OWNER, invite.id)  # once
    with pytest.raises(InviteError):
        await roles.accept_invite(other, 62)


async def test_beside_other_replicas_a_removal_takes_effect_within_the_teams_max_age(
    db: Database, clock: Clock[dt.datetime]
) -> None:
    """Two replicas on one database: the one that did not make the change reads the staff
    list again once it is `team_max_age` old, so a removed moderator loses the role there."""
    seconds = Clock(100.0)
    here = RoleService(db, frozenset({OWNER}), clock)
    there = RoleService(db, frozenset({OWNER}), clock, clock=seconds)
    there.team_max_age = 2.0
    await here.add(OWNER, 42, StaffRole.MODERATOR, None)
    assert await there.member(42) is not None
    assert await here.remove(OWNER, 42)
    seconds.now += 1.9
    assert await there.member(42) is not None  # within the max age: the list it read
    seconds.now += 0.1
    assert await there.member(42) is None
