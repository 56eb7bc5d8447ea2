"""The keyboard builder without deep copies still hands out markups its later use can't change."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton

from bot.keyboards.builder import InlineKeyboard


def test_a_markup_is_not_changed_by_using_the_builder_afterwards() -> None:
    builder = InlineKeyboard()
    builder.button(text="A", callback_data="a")
    builder.button(text="B", callback_data="b")
    first = builder.as_markup()
    builder.button(text="C", callback_data="c")
    builder.row(InlineKeyboardButton(text="D", callback_data="d"))
    builder.adjust(1)
    second = builder.as_markup()

    assert [[b.text for b in row] for row in first.inline_keyboard] == [["A", "B"]]
    assert [[b.text for b in row] for row in second.inline_keyboard] == [["A"], ["B"], ["C"], ["D"]]
    # The buttons themselves are shared: they are frozen, so nobody can change them.
    assert first.inline_keyboard[0][0] is second.inline_keyboard[0][0]


def test_exported_rows_are_the_caller_s_own() -> None:
    builder = InlineKeyboard()
    builder.button(text="A", callback_data="a")
    rows = builder.export()
    rows[0].append(InlineKeyboardButton(text="X", callback_data="x"))
    rows.append([])
    assert [[b.text for b in row] for row in builder.export()] == [["A"]]
