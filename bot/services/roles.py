"""Who may moderate: owners from ADMIN_IDS, and staff rows (moderators, volunteers).

Checked whenever an action executes, not only when a button is drawn, so a forged or stale
button does nothing for someone without the role.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.db import Database
from bot.db.repositories import staff


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

    def covers(self, region: str | None) -> bool:
        return self.region is None or self.region == region


class RoleService:
    def __init__(self, db: Database, owner_ids: frozenset[int]) -> None:
        self._db = db
        self._owners = owner_ids

    async def member(self, user_id: int) -> StaffMember | None:
        if user_id in self._owners:
            return StaffMember(user_id, StaffRole.OWNER, None)
        async with self._db.transaction() as conn:
            row = await staff.get(conn, user_id)
        return None if row is None else StaffMember(row.user_id, StaffRole(row.role), row.region)
