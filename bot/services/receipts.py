"""Receipt codes: the reporter's only way back to a tip, as whistleblowing platforms do.

A code has 80 random bits in Crockford's base32 (no I, L, O, U: nothing to misread), shown once
as XXXX-XXXX-XXXX-XXXX and stored only as a SHA-256 hash. 80 bits make guessing hopeless even
with an unsalted hash, and a hash of random bits says nothing about who holds the code.
"""

from __future__ import annotations

import hashlib
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16  # 16 symbols x 5 bits = 80 bits
GROUP = 4
# Letters people type for the ones the alphabet leaves out.
LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + GROUP] for i in range(0, LENGTH, GROUP))


def canonical(code: str) -> str | None:
    """The code without separators, upper-case, look-alikes fixed; None if it can't be one."""
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum()).translate(LOOKALIKES)
    if len(cleaned) != LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def hash_code(code: str) -> str:
    value = canonical(code)
    if value is None:
        raise ValueError("not a receipt code")
    return hashlib.sha256(value.encode("ascii")).hexdigest()
