"""Conversation states: each multi-step exchange keeps its step here, in one place, and the
broadcast composer its typed draft."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from pydantic import BaseModel

from bot.domain import Audience, BroadcastContent, ButtonKind, ReportStep, Role


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


class Practice(StatesGroup):
    """A chat simulation (/practice) and the anonymous check before and after it."""

    check = State()
    chat = State()


SKIP_THE_CHECK = 0  # the answer of the check's "Skip" button: the rest of the check is skipped


class CheckProgress(BaseModel):
    """The anonymous check being answered around a simulation or a course: before or after
    it, the question asked, and the answers so far (they leave the conversation when counted)."""

    phase: str = "pre"
    item: int = 0
    answers: dict[str, int] = {}

    def answer(self, item_id: str, value: int, items: int) -> bool:
        """Note the answer to the question asked (SKIP_THE_CHECK skips the rest of the check);
        True when the check is over."""
        if value == SKIP_THE_CHECK:
            return True
        self.answers[item_id] = value
        self.item += 1
        return self.item >= items

    def start(self, phase: str) -> None:
        self.phase, self.item, self.answers = phase, 0, {}

    async def save(self, state: FSMContext) -> None:
        await state.set_data(self.model_dump(mode="json"))


class PracticeRun(CheckProgress):
    """Where a run of a simulation is, typed (kept in the FSM data, like any conversation)."""

    simulation: str
    later: bool = False  # the person ran this simulation before
    step: int = 0  # the step whose replies are offered
    path: list[tuple[int, int]] = []  # (step, choice) positions, in order

    @classmethod
    async def load(cls, state: FSMContext) -> PracticeRun | None:
        data = await state.get_data()
        return cls.model_validate(data) if "simulation" in data else None


class CourseFlow(StatesGroup):
    """A session of a course (/practice), and the check before and after the course."""

    check = State()
    situation = State()
    line = State()
    question = State()


class CourseRun(CheckProgress):
    """Where a session of a course is (or the course's check), typed."""

    course: str
    session: int = 0  # the session being done, from 1; 0 while the check before is answered
    choice: int | None = None  # the choice made in the situation

    @classmethod
    async def load(cls, state: FSMContext) -> CourseRun | None:
        data = await state.get_data()
        return cls.model_validate(data) if "course" in data else None


class BroadcastDraft(BaseModel):
    """What the broadcast composer holds between its steps, typed (kept in the FSM data)."""

    text_kk: str | None = None
    text_ru: str | None = None
    photo: str | None = None
    button_kind: ButtonKind | None = None
    button_target: str | None = None
    roles: frozenset[Role] = frozenset(Role)
    region: str | None = None
    urgent: bool = False

    @classmethod
    async def load(cls, state: FSMContext) -> BroadcastDraft:
        return cls.model_validate(await state.get_data())

    async def save(self, state: FSMContext) -> None:
        await state.set_data(self.model_dump(mode="json"))

    @property
    def content(self) -> BroadcastContent:
        return BroadcastContent(
            text_kk=self.text_kk,
            text_ru=self.text_ru,
            photo_file_id=self.photo,
            button_kind=self.button_kind,
            button_target=self.button_target,
        )

    @property
    def audience(self) -> Audience:
        return Audience(roles=self.roles, region=self.region)
