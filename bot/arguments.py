"""Parsing what staff type after a command: Telegram user ids, roles and regions. A parser
returns None for anything malformed, and the handler answers with the command's usage."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.domain import parse_enum
from bot.services.roles import StaffRole

# ASCII digits only (str.isdigit accepts "²" and other digits int() refuses), and no more than
# Telegram's ids use, so the number always fits a 64-bit integer.
TELEGRAM_ID = re.compile(r"[0-9]{1,15}")

# Is this a known region code?
KnownRegion = Callable[[str], bool]


@dataclass(frozen=True, slots=True)
class StaffGrant:
    """A role to give: to the account `user_id`, or (for an invite) to whoever opens it."""

    role: StaffRole
    region: str | None  # None: every region
    user_id: int | None = None


def _grantable(role_word: str, region: str | None, known: KnownRegion) -> StaffRole | None:
    role = parse_enum(StaffRole, role_word)
    if role is None or role is StaffRole.OWNER or (region is not None and not known(region)):
        return None
    return role


def parse_invite(args: str | None, known: KnownRegion) -> StaffGrant | None:
    """`moderator|volunteer [REGION|all] [USER_ID]`."""
    words = (args or "").split()
    if not 1 <= len(words) <= 3 or (len(words) == 3 and not TELEGRAM_ID.fullmatch(words[2])):
        return None
    region = words[1] if len(words) >= 2 and words[1] != "all" else None
    role = _grantable(words[0], region, known)
    if role is None:
        return None
    return StaffGrant(role, region, int(words[2]) if len(words) == 3 else None)


def parse_add_staff(args: str | None, known: KnownRegion) -> StaffGrant | None:
    """`ID moderator|volunteer [REGION]`."""
    words = (args or "").split()
    if len(words) not in {2, 3} or not TELEGRAM_ID.fullmatch(words[0]):
        return None
    region = words[2] if len(words) == 3 else None
    role = _grantable(words[1], region, known)
    return StaffGrant(role, region, int(words[0])) if role is not None else None
