"""aiogram's inline keyboard builder, without its deep copies.

aiogram's builder deep-copies every button each time it exports its rows (on every `add()` and
on `as_markup()`), which was the largest single cost of a screen with a keyboard in
bench/updates.py. aiogram's buttons are frozen pydantic models, so rows can share them: a
shallow copy of the rows keeps the builder's own list safe from the markup it returns.
"""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton
from aiogram.utils.keyboard import InlineKeyboardBuilder


class InlineKeyboard(InlineKeyboardBuilder):
    def export(self) -> list[list[InlineKeyboardButton]]:
        return [list(row) for row in self._markup]
