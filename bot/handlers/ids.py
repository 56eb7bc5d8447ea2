"""Parsing the Telegram user ids that staff type into commands."""

from __future__ import annotations

import re

# ASCII digits only (str.isdigit accepts "²" and other digits int() refuses), and no more than
# Telegram's ids use, so the number always fits SQLite's 64-bit integers.
TELEGRAM_ID = re.compile(r"[0-9]{1,15}")
