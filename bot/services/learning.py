"""Topics and quizzes: counting opens and votes, and running quiz attempts.

A quiz is a series of Telegram quiz polls. Telegram's poll answers carry no chat, so each poll
sent is registered against its attempt and question; answers are idempotent, so an old poll,
a repeated answer or a poll from before a restart never changes a score twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db import Database
from bot.db.repositories import learning
from bot.domain import Profile
from bot.services.content import Library
from bot.services.content.models import Quiz


class UnknownContentError(LookupError):
    """A topic or quiz id that the library does not have (a stale or forged button)."""


@dataclass(frozen=True, slots=True)
class QuizStep:
    """The next question to send."""

    attempt_id: int
    quiz: Quiz
    question_index: int

    @property
    def is_first_question(self) -> bool:
        return self.question_index == 0


@dataclass(frozen=True, slots=True)
class QuizResult:
    quiz: Quiz
    score: int
    total: int
    is_first_attempt: bool
    wrong_topics: tuple[str, ...]  # topics behind the wrong answers, in question order


@dataclass(frozen=True, slots=True)
class QuizProgress:
    best: int
    latest: int
    completed_attempts: int


class LearningService:
    def __init__(self, db: Database, library: Library, today: Callable[[], dt.date]) -> None:
        self._db = db
        self._library = library
        self._today = today

    async def open_topic(self, topic_id: str, profile: Profile) -> None:
        topic = self._library.topic(topic_id)
        if topic is None:
            raise UnknownContentError(topic_id)
        if topic.private:
            return  # counted nowhere, not even without names
        role = profile.role.value if profile.role else ""
        async with self._db.statement() as conn:  # one upsert: atomic by itself
            await learning.count_open(conn, topic_id, self._today(), role, profile.region or "")

    async def vote(self, chat_id: int, topic_id: str, useful: bool) -> None:
        topic = self._library.topic(topic_id)
        if topic is None or topic.private:  # a private topic offers no vote
            raise UnknownContentError(topic_id)
        async with self._db.transaction() as conn:
            await learning.set_vote(conn, chat_id, topic_id, useful)

    async def start_quiz(self, chat_id: int, quiz_id: str) -> QuizStep:
        quiz = self._library.quiz(quiz_id)
        if quiz is None:
            raise UnknownContentError(quiz_id)
        async with self._db.transaction() as conn:
            # An attempt nobody answered yet is taken up again rather than counted twice: Start
            # pressed twice, or a start whose intro or first question Telegram refused, would
            # otherwise make the real first attempt a "retake" and drop it from /stats.
            attempt_id = await learning.unanswered_attempt(conn, chat_id, quiz_id)
            if attempt_id is not None:
                await learning.restart_attempt(conn, attempt_id, len(quiz.questions), self._today())
            else:
                is_first = not await learning.has_attempted(conn, chat_id, quiz_id)
                attempt_id = await learning.insert_attempt(
                    conn, chat_id, quiz_id, is_first, len(quiz.questions), self._today()
                )
        return QuizStep(attempt_id, quiz, 0)

    async def register_poll(self, poll_id: str, step: QuizStep) -> None:
        async with self._db.transaction() as conn:
            await learning.insert_poll(conn, poll_id, step.attempt_id, step.question_index)

    async def answer(
        self, poll_id: str, chat_id: int, option_ids: Sequence[int]
    ) -> QuizStep | QuizResult | None:
        """Record an answer; return what comes next, or None when there is nothing to do
        (unknown poll, someone else's poll, a repeated answer, a finished attempt)."""
        if not option_ids:
            return None
        async with self._db.transaction() as conn:
            poll = await learning.get_poll(conn, poll_id)
            attempt = None if poll is None else await learning.get_attempt(conn, poll.attempt_id)
            if poll is None or attempt is None or attempt.chat_id != chat_id or attempt.completed:
                return None
            quiz = self._library.quiz(attempt.quiz_id)
            if quiz is None or poll.question_index >= len(quiz.questions):
                return None
            question = quiz.questions[poll.question_index]
            correct = list(option_ids) == [question.correct]
            if not await learning.insert_answer(
                conn, attempt.id, poll.question_index, option_ids[0], correct
            ):
                # Counted already: the same answer delivered again after a crash, or an older
                # poll of this question. Only a next question that never went out is sent.
                return await self._unsent_next(conn, attempt.id, quiz, poll.question_index)
            answers = await learning.answered_questions(conn, attempt.id)
            score = sum(answers.values())
            if len(answers) >= len(quiz.questions):
                await learning.complete_attempt(conn, attempt.id, score, self._today())
                return self._result(quiz, answers, attempt.is_first)
            await learning.set_score(conn, attempt.id, score)
            return await self._unsent_next(conn, attempt.id, quiz, poll.question_index)

    async def progress(self, chat_id: int) -> dict[str, QuizProgress]:
        async with self._db.transaction() as conn:
            scores = await learning.completed_scores(conn, chat_id)
        return {quiz_id: QuizProgress(*values) for quiz_id, values in scores.items()}

    @staticmethod
    async def _unsent_next(
        conn: AsyncConnection, attempt_id: int, quiz: Quiz, answered_index: int
    ) -> QuizStep | None:
        """The question after this one, unless there is none or it was sent already."""
        index = answered_index + 1
        if index >= len(quiz.questions) or index in await learning.sent_questions(conn, attempt_id):
            return None
        return QuizStep(attempt_id, quiz, index)

    @staticmethod
    def _result(quiz: Quiz, answers: dict[int, bool], is_first: bool) -> QuizResult:
        wrong: list[str] = []
        for index, question in enumerate(quiz.questions):
            if not answers.get(index, False) and question.topic not in wrong:
                wrong.append(question.topic)
        return QuizResult(quiz, sum(answers.values()), len(quiz.questions), is_first, tuple(wrong))
