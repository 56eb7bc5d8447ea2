"""Typed callback data. Prefixes carry a version digit so a format change never misreads old
buttons; values are short ASCII codes (callback data is limited to 64 bytes, never text).

Fields are typed (enums, bools), so forged or stale data fails to parse and the press falls
through to the fallback handler, which answers it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from bot.domain import ButtonKind, Language, ReportStep, Role, TipCategory, TipStatus


class Screen(StrEnum):
    MENU = "menu"
    LEARN = "learn"
    QUIZ = "quiz"
    PRACTICE = "practice"
    HELP = "help"
    REPORT = "report"
    SETTINGS = "settings"
    PRIVACY = "privacy"


class SettingsField(StrEnum):
    LANGUAGE = "lang"
    ROLE = "role"
    REGION = "region"


# Integers in callback data are bounded: a forged value outside SQLite's 64-bit integers (or a
# negative position) fails to parse, so the press falls through to the fallback answer.
RowId = Annotated[int, Field(ge=0, lt=2**63)]
Position = Annotated[int, Field(ge=0, le=1000)]

# Region value meaning "I'd rather not say" (a real region code is never this).
NO_REGION = "-"


class OpenScreen(CallbackData, prefix="n1"):
    screen: Screen


class OpenSetting(CallbackData, prefix="e1"):
    field: SettingsField


# The choices below are shared by onboarding and settings; `onboarding` says which screen
# comes next (the next question, or the settings summary).
class PickLanguage(CallbackData, prefix="l1"):
    language: Language
    onboarding: bool


class PickRole(CallbackData, prefix="r1"):
    role: Role
    onboarding: bool


class PickRegion(CallbackData, prefix="g1"):
    code: str
    onboarding: bool


class PickSubscription(CallbackData, prefix="b1"):
    on: bool
    onboarding: bool


class TopicList(CallbackData, prefix="tl1"):
    """`more`: topics written for the other audiences (a parent can read the teen topics)."""

    more: bool


class TopicCard(CallbackData, prefix="tc1"):
    topic: str
    card: Position


class CardChoice(CallbackData, prefix="tx1"):
    topic: str
    card: Position
    choice: Position


class TopicVote(CallbackData, prefix="tv1"):
    topic: str
    useful: bool


class QuizList(CallbackData, prefix="ql1"):
    more: bool


class StartQuiz(CallbackData, prefix="qs1"):
    quiz: str


class PracticeList(CallbackData, prefix="pl1"):
    more: bool


class StartPractice(CallbackData, prefix="ps1"):
    simulation: str


class PracticeChoice(CallbackData, prefix="pc1"):
    """A reply in a simulation: the step it answers and which of its replies (by position)."""

    simulation: str
    step: Position
    choice: Position


class PracticeAnswer(CallbackData, prefix="pa1"):
    """An answer to the check's question `item` (1-5), or 0: skip the rest of the check."""

    item: Position
    value: Annotated[int, Field(ge=0, le=5)]


class CourseAction(StrEnum):
    OPEN = "open"  # the course's screen
    START = "start"  # opt in (again)
    SESSION = "session"  # begin the next session
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"


class CourseAct(CallbackData, prefix="co1"):
    course: str
    action: CourseAction


class CourseChoose(CallbackData, prefix="cc1"):
    """A choice in a session's situation, by position."""

    course: str
    session: Position
    choice: Position


class CourseSaid(CallbackData, prefix="cl1"):
    """The line of a session was said out loud."""

    course: str
    session: Position


class CourseAnswer(CallbackData, prefix="cq1"):
    """An answer to a session's question, by the option's position."""

    course: str
    session: Position
    option: Position


class ReportAction(StrEnum):
    SKIP = "skip"  # leave the current optional step empty
    DONE = "done"  # finish adding photos
    REVIEW = "review"
    EDIT = "edit"
    SEND = "send"
    CANCEL = "cancel"
    REGION = "region"  # choose the region of the place
    REMOVE = "remove"  # the list of things the reporter can take out before sending


class ReportCategory(CallbackData, prefix="rc1"):
    category: TipCategory


class ReportButton(CallbackData, prefix="ra1"):
    action: ReportAction


class ReportEdit(CallbackData, prefix="re1"):
    step: ReportStep


class ReportRegion(CallbackData, prefix="rg1"):
    code: str


class DraftPart(StrEnum):
    LINK = "l"
    ORIGIN = "o"
    DESCRIPTION = "d"
    LOCATION = "g"


class ReportRemove(CallbackData, prefix="rx1"):
    """Take one thing out of the draft before sending (a link, a forwarded post's source)."""

    part: DraftPart
    index: Position = 0


class AnswerQuestion(CallbackData, prefix="aq1"):
    """The reporter answers a moderator's question, after showing the receipt in /status."""

    question: RowId


class TipOpen(CallbackData, prefix="mo1"):
    tip: RowId


class TipSetStatus(CallbackData, prefix="ms1"):
    tip: RowId
    status: TipStatus


class TipInputKind(StrEnum):
    NOTE = "note"
    REPLY = "reply"
    QUESTION = "question"


class PreviewAction(StrEnum):
    CONFIRM = "ok"
    EDIT = "edit"
    CANCEL = "cancel"


class TipPreview(CallbackData, prefix="mp1"):
    """Confirm, edit or drop a reply or question before the reporter can read it."""

    tip: RowId
    action: PreviewAction


class TipHistory(CallbackData, prefix="mh1"):
    tip: RowId


class TipDetails(CallbackData, prefix="md1"):
    """Send a tip's details to the presser's private chat, after a role check."""

    tip: RowId


class TipAskInput(CallbackData, prefix="mi1"):
    tip: RowId
    kind: TipInputKind


class TipQueue(CallbackData, prefix="mq1"):
    """The /tips queue; empty strings mean "any"."""

    status: str = ""
    category: str = ""
    region: str = ""
    page: Position = 0


class QueueFilterField(StrEnum):
    STATUS = "s"
    CATEGORY = "c"
    REGION = "r"


class TipQueueFilter(CallbackData, prefix="mf1"):
    """Show the choices for one filter of the queue, keeping the others."""

    field: QueueFilterField
    status: str = ""
    category: str = ""
    region: str = ""


class BroadcastOpen(CallbackData, prefix="bo1"):
    broadcast: RowId


class BroadcastAct(CallbackData, prefix="bc1"):
    broadcast: RowId
    control: str  # a BroadcastControl value


class ComposeAction(StrEnum):
    SKIP = "skip"
    CANCEL = "cancel"
    NO_BUTTON = "nobutton"
    TOGGLE_URGENT = "urgent"
    REGIONS = "regions"
    AUDIENCE_DONE = "audience"
    START = "start"


class ComposeButton(CallbackData, prefix="cb1"):
    action: ComposeAction


class ComposeButtonKind(CallbackData, prefix="ck1"):
    kind: ButtonKind


class ComposeTarget(CallbackData, prefix="ct1"):
    """The topic or quiz a broadcast's button opens."""

    target: str


class ComposeRole(CallbackData, prefix="cr1"):
    role: Role


class ComposeRegion(CallbackData, prefix="cg1"):
    code: str


class CampaignAct(CallbackData, prefix="ca1"):
    campaign: str
    action: str  # "preview", "enable" or "disable"


class AdminAction(StrEnum):
    TEAM = "team"
    INVITE_MODERATOR = "inv_mod"
    INVITE_VOLUNTEER = "inv_vol"
    TIPS = "tips"
    STATS = "stats"
    AUDIT = "audit"
    BROADCASTS = "bcasts"
    CAMPAIGNS = "camps"


class AdminOpen(CallbackData, prefix="ad1"):
    action: AdminAction


class InviteRegion(CallbackData, prefix="ir1"):
    """The region of the invite being made; NO_REGION: every region."""

    role: str
    code: str


class InviteRevoke(CallbackData, prefix="iv1"):
    invite: RowId


class StaffRemove(CallbackData, prefix="sr1"):
    user: RowId


class ForgetMe(CallbackData, prefix="fg1"):
    confirmed: bool
