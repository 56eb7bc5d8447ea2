"""Who may moderate: owners from ADMIN_IDS, and staff (moderators and volunteers) whom an owner
added by a one-time invite link or by user id.

Checked whenever an action executes, not only when a button is drawn, so a forged or stale
button does nothing for someone without the role. Every change is on the audit trail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from bot.db import Database
from bot.db.repositories import audit, staff
from bot.db.repositories.tips import stamp

INVITE_LIFETIME = dt.timedelta(hours=24)
INVITE_PREFIX = "inv_"  # /start payloads that are invites


class StaffRole(StrEnum):
    OWNER = "owner"
    MODERATOR = "moderator"
    VOLUNTEER = "volunteer"


@dataclass(frozen=True, slots=True)
class StaffMember:
    user_id: int
    role: StaffRole
    region: str | None  # None: every region

    @property
    def moderates(self) -> bool:
        return self.role in {StaffRole.OWNER, StaffRole.MODERATOR}

    @property
    def is_owner(self) -> bool:
        return self.role is StaffRole.OWNER

    def covers(self, region: str | None) -> bool:
        return self.region is None or self.region == region


class InviteError(Exception):
    """The invite is unknown, expired or used."""


class RoleError(ValueError):
    """The change is not allowed (e.g. removing an owner)."""


class PermissionDeniedError(RoleError):
    """The actor may not change the team: only owners may."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class RoleService:
    def __init__(
        self,
        db: Database,
        owner_ids: frozenset[int],
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._owners = owner_ids
        self._now = now
        # Staff routers ask for every update from everyone; the team is small and, in one
        # process, changes only through this service, so it is read once and kept (cleared on
        # every change). Beside other replicas, which change it too, it is read again once
        # it is `team_max_age` seconds old: a removal takes effect everywhere within that.
        self._team: dict[int, StaffMember] | None = None
        self._team_read = 0.0
        self.team_max_age: float | None = None
        self._clock = clock

    async def member(self, user_id: int) -> StaffMember | None:
        if user_id in self._owners:
            return StaffMember(user_id, StaffRole.OWNER, None)
        stale = self.team_max_age is not None and (
            self._clock() - self._team_read >= self.team_max_age
        )
        if self._team is None or stale:
            read_at = self._clock()
            async with self._db.transaction() as conn:
                rows = await staff.all_staff(conn)
            self._team = {
                r.user_id: StaffMember(r.user_id, StaffRole(r.role), r.region) for r in rows
            }
            self._team_read = read_at
        return self._team.get(user_id)

    async def team(self) -> list[StaffMember]:
        async with self._db.transaction() as conn:
            rows = await staff.all_staff(conn)
        owners = [StaffMember(uid, StaffRole.OWNER, None) for uid in sorted(self._owners)]
        return owners + [StaffMember(r.user_id, StaffRole(r.role), r.region) for r in rows]

    def _require_owner(self, actor_id: int) -> None:
        """Changes to the team are the owners' (ADMIN_IDS), whatever a handler checked."""
        if actor_id not in self._owners:
            raise PermissionDeniedError(actor_id)

    async def create_invite(
        self, actor_id: int, role: StaffRole, region: str | None, for_user: int | None = None
    ) -> str:
        """A one-time token for a t.me/<bot>?start= link; only its hash is stored. With
        `for_user`, only that Telegram account can use it."""
        self._require_owner(actor_id)
        if role is StaffRole.OWNER:
            raise RoleError("owners are set in ADMIN_IDS")
        token = INVITE_PREFIX + secrets.token_urlsafe(18)
        now = self._now()
        async with self._db.transaction() as conn:
            await staff.insert_invite(
                conn,
                _hash(token),
                role.value,
                region,
                actor_id,
                stamp(now + INVITE_LIFETIME),
                for_user,
            )
            await audit.record(
                conn, actor_id, "staff.invite", f"role:{role.value}", now, region or ""
            )
        return token

    async def accept_invite(self, token: str, user_id: int) -> StaffMember:
        now = self._now()
        async with self._db.transaction() as conn:
            invite = await staff.get_invite(conn, _hash(token))
            if invite is None or invite.used_by is not None or invite.revoked:
                raise InviteError("unknown, used or revoked")
            if invite.expires_at <= now:
                raise InviteError("expired")
            if user_id in self._owners:
                raise InviteError("owners need no invite")
            if invite.created_by not in self._owners:
                raise InviteError("its owner is an owner no more")
            if invite.for_user is not None and invite.for_user != user_id:
                raise InviteError("meant for someone else")
            if not await staff.use_invite(conn, _hash(token), user_id, stamp(now)):
                raise InviteError("used")
            await staff.upsert(
                conn, user_id, invite.role, invite.region, invite.created_by, now.date()
            )
            await audit.record(conn, user_id, "staff.join", f"user:{user_id}", now, invite.role)
        self._team = None
        return StaffMember(user_id, StaffRole(invite.role), invite.region)

    async def open_invites(self, actor_id: int) -> list[staff.InviteRow]:
        self._require_owner(actor_id)
        async with self._db.transaction() as conn:
            return await staff.open_invites(conn, stamp(self._now()))

    async def revoke_invite(self, actor_id: int, invite_id: int) -> bool:
        self._require_owner(actor_id)
        now = self._now()
        async with self._db.transaction() as conn:
            revoked = await staff.revoke_invite(conn, invite_id)
            if revoked:
                await audit.record(conn, actor_id, "staff.revoke", f"invite:{invite_id}", now)
        return revoked

    async def add(
        self, actor_id: int, user_id: int, role: StaffRole, region: str | None
    ) -> StaffMember:
        self._require_owner(actor_id)
        if role is StaffRole.OWNER or user_id in self._owners:
            raise RoleError("owners are set in ADMIN_IDS")
        now = self._now()
        async with self._db.transaction() as conn:
            await staff.upsert(conn, user_id, role.value, region, actor_id, now.date())
            await audit.record(
                conn,
                actor_id,
                "staff.add",
                f"user:{user_id}",
                now,
                f"{role.value} {region or ''}".strip(),
            )
        self._team = None
        return StaffMember(user_id, role, region)

    async def remove(self, actor_id: int, user_id: int) -> bool:
        self._require_owner(actor_id)
        if user_id in self._owners:
            raise RoleError("owners are set in ADMIN_IDS")
        now = self._now()
        async with self._db.transaction() as conn:
            removed = await staff.delete(conn, user_id)
            if removed:
                await audit.record(conn, actor_id, "staff.remove", f"user:{user_id}", now)
        self._team = None
        return removed
