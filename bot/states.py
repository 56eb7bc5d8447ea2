"""Conversation states: each multi-step exchange keeps its step here, in one place."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup

from bot.domain import ReportStep


class ReportForm(StatesGroup):
    category = State()
    region = State()
    link = State()
    where = State()
    description = State()
    photos = State()
    review = State()


# The step of the report a state asks for, where a message or Skip answers it.
REPORT_STEP_OF_STATE = {
    ReportForm.link.state: ReportStep.PLACE,
    ReportForm.where.state: ReportStep.PLACE,
    ReportForm.description.state: ReportStep.DESCRIPTION,
    ReportForm.photos.state: ReportStep.PHOTOS,
}


class AnswerForm(StatesGroup):
    """The reporter writes an answer to a moderator's question (after /status CODE)."""

    text = State()


class ModeratorInput(StatesGroup):
    """A moderator writes a note, a reply or a question as a reply to the bot's prompt."""

    note = State()
    reply = State()
    question = State()
    preview = State()  # a reply or question waits for Confirm / Edit / Cancel
