"""Moderators and volunteers beyond the owners named in ADMIN_IDS."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete as sql_delete
from sqlalchemy import false, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db import dialect
from bot.db.schema import staff, staff_invites


@dataclass(frozen=True, slots=True)
class StaffRow:
    user_id: int
    role: str
    region: str | None


_SELECT_STAFF = select(staff.c.user_id, staff.c.role, staff.c.region)


async def get(conn: AsyncConnection, user_id: int) -> StaffRow | None:
    row = (await conn.execute(_SELECT_STAFF.where(staff.c.user_id == user_id))).first()
    return None if row is None else StaffRow(*row)


async def upsert(
    conn: AsyncConnection,
    user_id: int,
    role: str,
    region: str | None,
    added_by: int,
    added_on: dt.date,
) -> None:
    statement = dialect.insert(conn, staff).values(
        user_id=user_id, role=role, region=region, added_by=added_by, added_on=added_on
    )
    changed = ("role", "region", "added_by", "added_on")
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[staff.c.user_id],
            set_={name: statement.excluded[name] for name in changed},
        )
    )


async def delete(conn: AsyncConnection, user_id: int) -> bool:
    result = await conn.execute(sql_delete(staff).where(staff.c.user_id == user_id))
    return result.rowcount == 1


async def all_staff(conn: AsyncConnection) -> list[StaffRow]:
    result = await conn.execute(_SELECT_STAFF.order_by(staff.c.role, staff.c.user_id))
    return [StaffRow(*row) for row in result]


async def insert_invite(
    conn: AsyncConnection,
    token_hash: str,
    role: str,
    region: str | None,
    created_by: int,
    expires_at: dt.datetime,
    for_user: int | None = None,
) -> None:
    await conn.execute(
        insert(staff_invites).values(
            token_hash=token_hash,
            role=role,
            region=region,
            created_by=created_by,
            expires_at=expires_at,
            for_user=for_user,
        )
    )


@dataclass(frozen=True, slots=True)
class InviteRow:
    id: int
    role: str
    region: str | None
    created_by: int
    expires_at: dt.datetime
    used_by: int | None
    for_user: int | None
    revoked: bool


_SELECT_INVITE = select(
    staff_invites.c.id,
    staff_invites.c.role,
    staff_invites.c.region,
    staff_invites.c.created_by,
    staff_invites.c.expires_at,
    staff_invites.c.used_by,
    staff_invites.c.for_user,
    staff_invites.c.revoked,
)


async def get_invite(conn: AsyncConnection, token_hash: str) -> InviteRow | None:
    query = _SELECT_INVITE.where(staff_invites.c.token_hash == token_hash)
    row = (await conn.execute(query)).first()
    return None if row is None else InviteRow(*row)


async def open_invites(conn: AsyncConnection, now: dt.datetime) -> list[InviteRow]:
    """Invites not used, revoked or expired."""
    query = _SELECT_INVITE.where(
        staff_invites.c.used_by.is_(None),
        staff_invites.c.revoked.is_(false()),
        staff_invites.c.expires_at > now,
    ).order_by(staff_invites.c.id)
    return [InviteRow(*row) for row in await conn.execute(query)]


async def revoke_invite(conn: AsyncConnection, invite_id: int) -> bool:
    result = await conn.execute(
        update(staff_invites)
        .where(
            staff_invites.c.id == invite_id,
            staff_invites.c.used_by.is_(None),
            staff_invites.c.revoked.is_(false()),
        )
        .values(revoked=True)
    )
    return result.rowcount == 1


async def use_invite(
    conn: AsyncConnection, token_hash: str, user_id: int, used_at: dt.datetime
) -> bool:
    """Mark the invite used; False if someone used it first."""
    result = await conn.execute(
        update(staff_invites)
        .where(staff_invites.c.token_hash == token_hash, staff_invites.c.used_by.is_(None))
        .values(used_by=user_id, used_at=used_at)
    )
    return result.rowcount == 1
