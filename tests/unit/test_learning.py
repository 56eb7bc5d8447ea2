"""LearningService: quiz attempts, idempotent answers, first-attempt bookkeeping, votes."""

from __future__ import annotations

import pytest

from bot.db import Database
from bot.domain import Language, Role
from bot.services.content import Library
from bot.services.learning import LearningService, QuizResult, QuizStep, UnknownContentError
from bot.services.users import UserService
from tests.engines import fetch, fetch_one


@pytest.fixture
async def teen(users: UserService) -> int:
    await users.choose_language(10, Language.RU)
    await users.set_role(10, Role.TEEN)
    await users.finish_onboarding(10, subscribed=False)
    return 10


async def play(learning: LearningService, chat_id: int, quiz_id: str, right: bool) -> QuizResult:
    step: QuizStep | QuizResult | None = await learning.start_quiz(chat_id, quiz_id)
    number = 0
    while isinstance(step, QuizStep):
        poll_id = f"{quiz_id}-{step.attempt_id}-{step.question_index}"
        await learning.register_poll(poll_id, step)
        question = step.quiz.questions[step.question_index]
        wrong = (question.correct + 1) % len(question.options)
        step = await learning.answer(poll_id, chat_id, [question.correct if right else wrong])
        number += 1
    assert isinstance(step, QuizResult)
    return step


async def test_a_perfect_first_attempt(
    learning: LearningService, teen: int, library: Library
) -> None:
    result = await play(learning, teen, "recruitment", right=True)
    quiz = library.quiz("recruitment")
    assert quiz is not None
    assert (result.score, result.total) == (len(quiz.questions), len(quiz.questions))
    assert result.is_first_attempt and result.wrong_topics == ()


async def test_wrong_answers_link_their_topics_and_retake_is_not_first(
    learning: LearningService, teen: int, library: Library
) -> None:
    first = await play(learning, teen, "myths", right=False)
    quiz = library.quiz("myths")
    assert quiz is not None
    assert first.score == 0
    assert set(first.wrong_topics) == {q.topic for q in quiz.questions}
    second = await play(learning, teen, "myths", right=True)
    assert not second.is_first_attempt
    progress = (await learning.progress(teen))["myths"]
    assert (progress.best, progress.latest, progress.completed_attempts) == (
        len(quiz.questions),
        len(quiz.questions),
        2,
    )


async def test_answering_twice_or_an_unknown_poll_changes_nothing(
    learning: LearningService, teen: int
) -> None:
    step = await learning.start_quiz(teen, "recruitment")
    await learning.register_poll("p0", step)
    correct = step.quiz.questions[0].correct
    nxt = await learning.answer("p0", teen, [correct])
    assert isinstance(nxt, QuizStep)
    await learning.register_poll("p1", nxt)
    assert await learning.answer("p0", teen, [correct]) is None
    assert await learning.answer("never-sent", teen, [0]) is None
    assert await learning.answer("p0", 999, [0]) is None  # someone else's poll
    assert await learning.answer("p0", teen, []) is None  # a retracted vote


async def test_an_older_poll_answered_late_does_not_send_a_question_twice(
    learning: LearningService, teen: int
) -> None:
    step = await learning.start_quiz(teen, "recruitment")
    await learning.register_poll("a", step)
    nxt = await learning.answer("a", teen, [0])
    assert isinstance(nxt, QuizStep) and nxt.question_index == 1
    await learning.register_poll("b", nxt)
    # Question 2 was sent; answering question 1 again is ignored.
    assert await learning.answer("a", teen, [1]) is None


async def test_an_answer_delivered_again_sends_a_next_question_that_never_went_out(
    learning: LearningService, teen: int, db: Database
) -> None:
    step = await learning.start_quiz(teen, "recruitment")
    await learning.register_poll("q0", step)
    correct = step.quiz.questions[0].correct
    first = await learning.answer("q0", teen, [correct])
    assert isinstance(first, QuizStep) and first.question_index == 1
    # The process died before question 2 was sent; Telegram delivers the answer again.
    again = await learning.answer("q0", teen, [correct])
    assert isinstance(again, QuizStep) and again.question_index == 1
    await learning.register_poll("q1", again)
    assert await learning.answer("q0", teen, [correct]) is None  # now it was sent
    assert await fetch_one(learning._db, "SELECT COUNT(*) FROM quiz_answers") == 1


async def test_a_start_nobody_answered_is_taken_up_again(
    learning: LearningService, teen: int, db: Database
) -> None:
    abandoned = await learning.start_quiz(teen, "recruitment")  # e.g. its intro never arrived
    again = await learning.start_quiz(teen, "recruitment")
    assert again.attempt_id == abandoned.attempt_id
    result = await play(learning, teen, "recruitment", right=True)
    assert result.is_first_attempt  # the first real attempt still counts as the first
    retake = await learning.start_quiz(teen, "recruitment")
    assert retake.attempt_id != abandoned.attempt_id
    rows = await fetch(
        db,
        "SELECT COUNT(*), SUM(CASE WHEN is_first THEN 1 ELSE 0 END) FROM quiz_attempts"
        " WHERE chat_id = :chat",
        chat=teen,
    )
    assert rows == [(2, 1)]


async def test_votes_and_opens(
    learning: LearningService, users: UserService, teen: int, db: Database
) -> None:
    profile = await users.get(teen)
    assert profile is not None
    await learning.open_topic("easy_money", profile)
    await learning.open_topic("easy_money", profile)
    await learning.vote(teen, "easy_money", useful=False)
    await learning.vote(teen, "easy_money", useful=True)
    assert await fetch(db, "SELECT opens, role FROM topic_opens") == [(2, "teen")]
    votes = await fetch(db, "SELECT chat_id, useful FROM topic_votes")
    assert [(chat, bool(useful)) for chat, useful in votes] == [(teen, True)]
    with pytest.raises(UnknownContentError):
        await learning.vote(teen, "no_such_topic", useful=True)
