"""Conversation states: each multi-step exchange keeps its step here, in one place."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class ReportForm(StatesGroup):
    category = State()
    region = State()
    link = State()
    where = State()
    description = State()
    photos = State()
    review = State()


class AnswerForm(StatesGroup):
    """The reporter writes an answer to a moderator's question (after /status CODE)."""

    text = State()


class ModeratorInput(StatesGroup):
    """A moderator writes a note, a reply or a question as a reply to the bot's prompt."""

    note = State()
    reply = State()
    question = State()
    preview = State()  # a reply or question waits for Confirm / Edit / Cancel
