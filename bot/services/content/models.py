"""Pydantic models of the content files, with Telegram's limits and our editorial limits.

Each localized text holds Kazakh and Russian side by side; a subclass sets its length limit, so
an over-long button label or poll option is rejected with the file and item named.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from bot.domain import ButtonKind, Language, Role

Audience = Literal["teen", "parent", "teacher"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Localized(Strict):
    """One text in both languages; `max_length` and `max_line_breaks` are per use."""

    max_length: ClassVar[int] = 4096
    max_line_breaks: ClassVar[int | None] = None

    kk: str
    ru: str

    @field_validator("kk", "ru")
    @classmethod
    def _fits(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("text is empty")
        if len(value) > cls.max_length:
            raise ValueError(f"text is {len(value)} characters, the limit is {cls.max_length}")
        if cls.max_line_breaks is not None and value.count("\n") > cls.max_line_breaks:
            raise ValueError(f"text has more than {cls.max_line_breaks} line breaks")
        return value

    def get(self, language: Language | str) -> str:
        return self.kk if language == Language.KK else self.ru


class ButtonLabel(Localized):
    max_length = 40


class Title(Localized):
    max_length = 48


class Summary(Localized):
    max_length = 120
    max_line_breaks = 0


class CardText(Localized):
    max_length = 900  # well under Telegram's 4096, so a card reads on a phone without scrolling


class Feedback(Localized):
    max_length = 200  # answerCallbackQuery shows at most 200 characters
    max_line_breaks = 0


class Intro(Localized):
    max_length = 400


class PollQuestion(Localized):
    max_length = 290  # Telegram allows 300; the bot prefixes "(3/7) "


class PollOption(Localized):
    max_length = 100


class PollExplanation(Localized):
    max_length = 200
    max_line_breaks = 2


class ContactName(Localized):
    max_length = 60


class ContactDescription(Localized):
    max_length = 300


class WithId(Strict):
    id: str

    @field_validator("id")
    @classmethod
    def _snake_case(cls, value: str) -> str:
        if not value.replace("_", "").isalnum() or not value.isascii() or value != value.lower():
            raise ValueError("id must be lower-case ASCII letters, digits and underscores")
        if len(value) > 24:
            raise ValueError("id is longer than 24 characters (it travels in callback data)")
        return value


class Choice(Strict):
    label: ButtonLabel
    feedback: Feedback


class Card(Strict):
    text: CardText
    choices: tuple[Choice, ...] = Field(default=(), max_length=3)


class Topic(WithId):
    audience: Audience
    emoji: str = Field(min_length=1, max_length=4)
    title: Title
    summary: Summary
    sources: tuple[str, ...] = Field(min_length=1)
    quiz: str | None = None
    related: tuple[str, ...] = ()
    actions: tuple[Literal["help", "report"], ...] = ()
    # Private: reading it leaves no trace at all, not even a count of opens or a vote (a topic
    # for someone who has already tried something must not count who read it, or when).
    private: bool = False
    cards: tuple[Card, ...] = Field(min_length=1, max_length=8)


class Question(Strict):
    question: PollQuestion
    options: tuple[PollOption, ...] = Field(min_length=2, max_length=10)
    correct: int = Field(ge=0)
    explanation: PollExplanation
    topic: str

    @model_validator(mode="after")
    def _correct_in_range(self) -> Question:
        if self.correct >= len(self.options):
            raise ValueError(f"correct is {self.correct}, there are {len(self.options)} options")
        return self


class Quiz(WithId):
    audience: Audience
    emoji: str = Field(min_length=1, max_length=4)
    title: Title
    intro: Intro
    sources: tuple[str, ...] = Field(min_length=1)
    questions: tuple[Question, ...] = Field(min_length=1, max_length=20)


class Contact(WithId):
    phone: str = Field(pattern=r"^\+?[0-9 ()-]{2,20}$")
    name: ContactName
    description: ContactDescription
    urgent: bool = False
    sources: tuple[str, ...] = Field(min_length=1)


class Region(Strict):
    code: str = Field(pattern=r"^[a-z_]{2,16}$")
    name: Localized


class ChatLine(Localized):
    max_length = 700  # one message of a simulation: a phone screen, not a page


class Persona(Localized):
    max_length = 40


class WhyText(Localized):
    max_length = 400


class CheckQuestion(Localized):
    max_length = 300


class ScaleEnd(Localized):
    max_length = 30


class SimulationChoice(WithId):
    text: ButtonLabel
    safe: bool
    next: str
    why: WhyText


class SimulationStep(WithId):
    """The other person's lines, then 2-4 replies to pick from; without replies, an ending
    (the narrator's lines)."""

    says: tuple[ChatLine, ...] = Field(min_length=1, max_length=4)
    choices: tuple[SimulationChoice, ...] = Field(default=(), max_length=4)

    @model_validator(mode="after")
    def _choices(self) -> SimulationStep:
        if len(self.choices) == 1:
            raise ValueError("a step has 2-4 choices, or none (an ending)")
        if len({c.id for c in self.choices}) != len(self.choices):
            raise ValueError("two choices of the step have one id")
        return self

    @property
    def is_ending(self) -> bool:
        return not self.choices


class Simulation(WithId):
    audience: Audience
    emoji: str = Field(min_length=1, max_length=4)
    title: Title
    intro: Intro
    persona: Persona
    sources: tuple[str, ...] = Field(min_length=1)
    check: str
    offer_report: bool = False
    steps: tuple[SimulationStep, ...] = Field(min_length=2, max_length=30)

    @model_validator(mode="after")
    def _a_story_that_ends(self) -> Simulation:
        """Every `next` exists, every step is reachable from the first, and no path loops, so
        every run ends."""
        steps = {step.id: step for step in self.steps}
        if len(steps) != len(self.steps):
            raise ValueError("two steps have one id")
        for step in self.steps:
            for choice in step.choices:
                if choice.next not in steps:
                    raise ValueError(
                        f"step {step.id}: choice {choice.id} leads to {choice.next!r},"
                        " which does not exist"
                    )
        seen: set[str] = set()

        def walk(step_id: str, path: tuple[str, ...]) -> None:
            if step_id in path:
                raise ValueError(f"the story loops: {' → '.join((*path, step_id))}")
            seen.add(step_id)
            for choice in steps[step_id].choices:
                walk(choice.next, (*path, step_id))

        walk(self.steps[0].id, ())
        unreachable = [s.id for s in self.steps if s.id not in seen]
        if unreachable:
            raise ValueError(f"steps no choice leads to: {', '.join(unreachable)}")
        return self

    def step(self, index: int) -> SimulationStep | None:
        return self.steps[index] if 0 <= index < len(self.steps) else None

    def index_of(self, step_id: str) -> int:
        return next(n for n, step in enumerate(self.steps) if step.id == step_id)


Measure = Literal["perceived_risk", "self_efficacy", "intention"]


class CheckItem(WithId):
    """One question on a 5-point scale, with the words of its two ends."""

    measure: Measure
    better: Literal["higher", "lower"]
    question: CheckQuestion
    low: ScaleEnd
    high: ScaleEnd


class Instrument(WithId):
    audience: Audience
    intro: Intro
    sources: tuple[str, ...] = Field(min_length=1)
    items: tuple[CheckItem, ...] = Field(min_length=3, max_length=5)


class PracticeLine(Localized):
    max_length = 300


class ReminderText(Localized):
    """A course's reminder; {number}, {total} and {session} (the session's title) are filled
    in."""

    max_length = 300

    @field_validator("kk", "ru")
    @classmethod
    def _placeholders(cls, value: str) -> str:
        try:
            value.format(number=1, total=5, session="")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(
                f"only {{number}}, {{total}} and {{session}} may be filled in: {exc}"
            ) from None
        return value


class CourseChoice(Strict):
    text: ButtonLabel
    safe: bool
    why: WhyText


class CourseSession(WithId):
    """Under three minutes: a situation with 2-3 choices (what each does is shown at once), a
    line to say out loud, and one quiz question."""

    title: Title
    situation: CardText
    choices: tuple[CourseChoice, ...] = Field(min_length=2, max_length=3)
    line: PracticeLine
    question: Question

    @model_validator(mode="after")
    def _a_safe_move(self) -> CourseSession:
        if not any(choice.safe for choice in self.choices):
            raise ValueError("no choice of the situation is safe: the session teaches nothing")
        return self


class Course(WithId):
    """Opt-in sessions, one opening `every_days` after the last was done."""

    audience: Audience
    emoji: str = Field(min_length=1, max_length=4)
    title: Title
    intro: CardText
    reminder: ReminderText
    check: str
    every_days: int = Field(ge=1, le=7)
    remind_at: int = Field(ge=8, le=21, description="hour, Astana time")
    sources: tuple[str, ...] = Field(min_length=1)
    sessions: tuple[CourseSession, ...] = Field(min_length=2, max_length=8)

    def session(self, number: int) -> CourseSession | None:
        """Session `number`, counted from 1."""
        return self.sessions[number - 1] if 1 <= number <= len(self.sessions) else None

    def reminder_text(self, number: int, language: Language) -> str:
        session = self.sessions[number - 1]
        return self.reminder.get(language).format(
            number=number, total=len(self.sessions), session=session.title.get(language)
        )


class CampaignText(Localized):
    max_length = 1000


class CampaignSchedule(Strict):
    """APScheduler CronTrigger fields, in the bot's time zone (Asia/Almaty)."""

    year: str | None = None
    month: str | None = None
    day: str | None = None
    week: str | None = None
    day_of_week: str | None = None
    hour: int = Field(ge=0, le=23)
    minute: int = Field(default=0, ge=0, le=59)

    @field_validator("day_of_week")
    @classmethod
    def _names_only(cls, value: str | None) -> str | None:
        # APScheduler 3 numbers days from Monday = 0, cron from Sunday = 0: names avoid the trap.
        if value is not None and any(ch.isdigit() for ch in value):
            raise ValueError("use day names (mon, tue, ... sun), not numbers")
        return value

    def fields(self) -> dict[str, str | int]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class CampaignAudience(Strict):
    roles: tuple[Role, ...] = (Role.TEEN, Role.PARENT, Role.TEACHER)
    region: str | None = None


class CampaignButton(Strict):
    kind: ButtonKind
    target: str | None = None

    @model_validator(mode="after")
    def _target_when_needed(self) -> CampaignButton:
        needs_target = self.kind in {ButtonKind.TOPIC, ButtonKind.QUIZ}
        if needs_target != (self.target is not None):
            raise ValueError("topic and quiz buttons need a target; report and help have none")
        return self


class Campaign(WithId):
    title: Title
    schedule: CampaignSchedule
    audience: CampaignAudience = CampaignAudience()
    urgent: bool = False
    text: CampaignText
    button: CampaignButton | None = None
    sources: tuple[str, ...] = Field(min_length=1)


class CampaignsFile(Strict):
    campaigns: tuple[Campaign, ...] = ()


class TopicsFile(Strict):
    topics: tuple[Topic, ...] = Field(min_length=1)


class QuizzesFile(Strict):
    quizzes: tuple[Quiz, ...] = Field(min_length=1)


class HelpFile(Strict):
    intro: Intro
    contacts: tuple[Contact, ...] = Field(min_length=1)

    def phone(self, contact_id: str) -> str:
        """A helpline's number for a text of the code (content files write {phone:ID})."""
        return next(c.phone for c in self.contacts if c.id == contact_id)


class RegionsFile(Strict):
    regions: tuple[Region, ...] = Field(min_length=1)


class SimulationsFile(Strict):
    simulations: tuple[Simulation, ...] = Field(min_length=1)


class EvaluationFile(Strict):
    instruments: tuple[Instrument, ...] = Field(min_length=1)


class CoursesFile(Strict):
    courses: tuple[Course, ...] = ()


class Library(Strict):
    """All content, validated and cross-checked; loaded once and shared read-only."""

    topics: tuple[Topic, ...]
    quizzes: tuple[Quiz, ...]
    help: HelpFile
    regions: tuple[Region, ...]
    campaigns: tuple[Campaign, ...] = ()
    simulations: tuple[Simulation, ...] = ()
    instruments: tuple[Instrument, ...] = ()
    courses: tuple[Course, ...] = ()
    _hash: int | None = PrivateAttr(default=None)

    def __hash__(self) -> int:
        """Hashed once: the library keys the screens built from it (keyboards.cache), and a
        frozen model's hash walks every topic, card and translation each time."""
        if self._hash is None:
            self._hash = super().__hash__()
        return self._hash

    def topic(self, topic_id: str) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)

    def quiz(self, quiz_id: str) -> Quiz | None:
        return next((q for q in self.quizzes if q.id == quiz_id), None)

    def simulation(self, simulation_id: str) -> Simulation | None:
        return next((s for s in self.simulations if s.id == simulation_id), None)

    def instrument(self, instrument_id: str) -> Instrument | None:
        return next((i for i in self.instruments if i.id == instrument_id), None)

    def course(self, course_id: str) -> Course | None:
        return next((c for c in self.courses if c.id == course_id), None)

    def course_for(self, role: Role | None) -> Course | None:
        """The course for `role` (one per audience), if there is one."""
        audience = (role or Role.TEEN).value
        return next((c for c in self.courses if c.audience == audience), None)

    def simulations_for(self, role: Role | None) -> tuple[Simulation, ...]:
        audience = (role or Role.TEEN).value
        return tuple(s for s in self.simulations if s.audience == audience)

    def campaign(self, campaign_id: str) -> Campaign | None:
        return next((c for c in self.campaigns if c.id == campaign_id), None)

    def region(self, code: str) -> Region | None:
        return next((r for r in self.regions if r.code == code), None)

    def region_name(self, code: str | None, language: Language) -> str | None:
        region = None if code is None else self.region(code)
        return None if region is None else region.name.get(language)

    @property
    def region_codes(self) -> frozenset[str]:
        return frozenset(r.code for r in self.regions)

    def topics_for(self, role: Role | None) -> tuple[Topic, ...]:
        audience = (role or Role.TEEN).value
        return tuple(t for t in self.topics if t.audience == audience)

    def quizzes_for(self, role: Role | None) -> tuple[Quiz, ...]:
        audience = (role or Role.TEEN).value
        return tuple(q for q in self.quizzes if q.audience == audience)
