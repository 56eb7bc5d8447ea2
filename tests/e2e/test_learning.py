"""Learn and Quiz end to end: a topic read to the end, a quiz completed, stale polls."""

from __future__ import annotations

from collections.abc import Callable

from fake_telegram import FakeTelegram, FakeUser

from bot.domain import Language
from bot.services.content import Library
from bot.services.content.models import Quiz
from bot.telegram_session import ATTEMPTS, PatientRequests
from tests.e2e.conftest import RunningBot, adult, count_rows
from tests.e2e.test_onboarding import onboard

Tr = Callable[[str, Language | str], str]
RU, KK = Language.RU, Language.KK
PARENT = adult(RU)  # what a parent reads: the formal register


async def test_teen_reads_a_topic_to_the_end_and_votes(
    aigerim: FakeUser, tr: Tr, library: Library, running: RunningBot
) -> None:
    await onboard(aigerim, tr, KK, "🧑 Teenager", None, subscribe=False)
    await aigerim.send("/menu")
    reply = await aigerim.click(tr("📚 Learn", KK))
    topic = library.topic("easy_money")
    assert topic is not None
    title = f"{topic.emoji} {topic.title.kk}"
    assert title in reply.buttons
    assert all(t.title.kk not in reply.text for t in library.topics if t.audience == "parent")
    reply = await aigerim.click(title)
    for number, card in enumerate(topic.cards, start=1):
        assert card.text.kk.splitlines()[0] in reply.text
        assert f"{number}/{len(topic.cards)}" in reply.text
        if card.choices:
            answer = (await aigerim.click(card.choices[0].label.kk)).callback_answer
            assert answer is not None and answer.text == card.choices[0].feedback.kk
            assert answer.show_alert
        if number < len(topic.cards):
            reply = await aigerim.click(tr("Next ➡️", KK))
    assert tr("Was this useful?", KK) in reply.text
    assert tr("🆘 Get help now", KK) in reply.buttons
    answer = (await aigerim.click("👍")).callback_answer
    assert answer is not None
    assert answer.text == tr("Thank you! Your answer helps us make the topics better.", KK)
    assert await count_rows(running, "SELECT COUNT(*) FROM topic_votes WHERE useful") == 1
    opens = "SELECT SUM(opens) FROM topic_opens WHERE topic_id = 'easy_money'"
    assert await count_rows(running, opens) == 1


async def test_parent_sees_parent_topics_and_can_reach_teen_topics(
    dmitry: FakeUser, tr: Tr, library: Library
) -> None:
    await onboard(dmitry, tr, RU, "👪 Parent", None, subscribe=False)
    await dmitry.send("/menu")
    reply = await dmitry.click(tr("📚 Learn", PARENT))
    parent_titles = {f"{t.emoji} {t.title.ru}" for t in library.topics if t.audience == "parent"}
    assert parent_titles <= set(reply.buttons)
    reply = await dmitry.click(tr("➕ More topics", PARENT))
    teen = library.topic("saying_no")
    assert teen is not None and f"{teen.emoji} {teen.title.ru}" in reply.buttons


async def test_switching_language_mid_topic(aigerim: FakeUser, tr: Tr, library: Library) -> None:
    await onboard(aigerim, tr, KK, "🧑 Teenager", None, subscribe=False)
    topic = library.topic("saying_no")
    assert topic is not None
    await aigerim.send("/menu")
    await aigerim.click(tr("📚 Learn", KK))
    card = (await aigerim.click(f"{topic.emoji} {topic.title.kk}")).edits[0]
    await aigerim.send("/language")
    await aigerim.click("Русский")
    # The card's "Next" button, still labelled in Kazakh, shows the next card in Russian.
    assert card.message_id is not None
    reply = await aigerim.click_in(card.message_id, tr("Next ➡️", KK))
    assert topic.cards[1].text.ru.splitlines()[0] in reply.text


async def parent_at_the_quiz_list(dmitry: FakeUser, tr: Tr, library: Library) -> Quiz:
    """Dmitry onboarded as a parent, looking at the quiz list; returns the parents' quiz."""
    await onboard(dmitry, tr, RU, "👪 Parent", None, subscribe=False)
    quiz = library.quiz("parent_signs")
    assert quiz is not None
    await dmitry.send("/menu")
    await dmitry.click(tr("🧩 Quiz", PARENT))
    return quiz


async def test_parent_completes_a_quiz_and_gets_score_and_links(
    dmitry: FakeUser, tr: Tr, library: Library, running: RunningBot, fake: FakeTelegram
) -> None:
    quiz = await parent_at_the_quiz_list(dmitry, tr, library)
    reply = await dmitry.click(f"{quiz.emoji} {quiz.title.ru}")
    poll = reply.last
    assert poll.kind == "poll"
    for index, question in enumerate(quiz.questions):
        assert poll.poll is not None
        assert poll.poll["type"] == "quiz" and poll.poll["is_anonymous"] is False
        assert question.question.ru in poll.poll["question"]
        # Get the first question wrong, the rest right.
        choice = (question.correct + 1) % len(question.options) if index == 0 else question.correct
        reply = await dmitry.answer_poll([choice])
        poll = reply.last
    result = reply.last
    expected = len(quiz.questions) - 1
    assert f"{expected}" in result.text and f"{len(quiz.questions)}" in result.text
    wrong_topic = library.topic(quiz.questions[0].topic)
    assert wrong_topic is not None
    buttons = [text for row in result.buttons for text in row]
    assert f"{wrong_topic.emoji} {wrong_topic.title.ru}" in buttons
    assert tr("🔁 Try again", PARENT) in buttons
    sent = fake.calls_to("sendPoll")[0].params
    assert "correct_option_ids" in sent or "correct_option_id" in sent
    finished = "SELECT score FROM quiz_attempts WHERE completed AND is_first"
    assert await count_rows(running, finished) == expected


async def test_old_and_unknown_poll_answers_are_ignored(
    dmitry: FakeUser, tr: Tr, library: Library, running: RunningBot
) -> None:
    quiz = await parent_at_the_quiz_list(dmitry, tr, library)
    reply = await dmitry.click(f"{quiz.emoji} {quiz.title.ru}")
    first_poll = reply.last.poll
    assert first_poll is not None
    await dmitry.answer_poll([quiz.questions[0].correct])
    # Answering the first poll again, or a poll the bot never sent, does nothing.
    await dmitry.answer_poll([0], poll_id=first_poll["id"], expect_reply=False)
    await dmitry.answer_poll([0], poll_id="999999", expect_reply=False)
    await dmitry.expect_silence(0.3)
    assert await count_rows(running, "SELECT COUNT(*) FROM quiz_answers") == 1
    reply = await dmitry.send("/help")
    assert "112" in reply.text


async def test_a_quiz_start_telegram_refused_still_counts_as_the_first_attempt(
    dmitry: FakeUser, tr: Tr, library: Library, running: RunningBot, fake: FakeTelegram
) -> None:
    quiz = await parent_at_the_quiz_list(dmitry, tr, library)
    # The session's back-off (0.5 s doubling) shortened: the retries are tested on their own.
    for middleware in running.app.bot.session.middleware:
        if isinstance(middleware, PatientRequests):
            middleware.backoff = 0.01
    # Longer than the session's retries (telegram_session.ATTEMPTS): the intro fails for good.
    fake.fail_next("editMessageText", 502, description="Bad Gateway", times=ATTEMPTS)
    reply = await dmitry.click(f"{quiz.emoji} {quiz.title.ru}", timeout=20)  # an apology
    assert not any(m.kind == "poll" for m in dmitry.messages)
    reply = await dmitry.click(f"{quiz.emoji} {quiz.title.ru}")  # the person presses again
    for question in quiz.questions:
        reply = await dmitry.answer_poll([question.correct])
    assert f"{len(quiz.questions)}" in reply.last.text
    assert await count_rows(running, "SELECT COUNT(*) FROM quiz_attempts") == 1
    first = "SELECT score FROM quiz_attempts WHERE completed AND is_first"
    assert await count_rows(running, first) == len(quiz.questions)


async def test_the_topic_for_someone_who_already_tried_leaves_no_trace(
    aigerim: FakeUser, tr: Tr, library: Library, running: RunningBot
) -> None:
    """Reading it is counted nowhere: no open, no vote, nothing with or without a name."""
    await onboard(aigerim, tr, KK, "🧑 Teenager", "Астана", subscribe=False)
    topic = library.topic("already_tried")
    assert topic is not None and topic.private
    await aigerim.send("/learn")
    reply = await aigerim.click(f"{topic.emoji} {topic.title.kk}")
    for _card in topic.cards[1:]:
        reply = await aigerim.click(tr("Next ➡️", KK))
    assert "👍" not in " ".join(reply.buttons) and tr("Was this useful?", KK) not in reply.text
    assert tr("🆘 Get help now", KK) in reply.buttons
    opened = "SELECT COUNT(*) FROM topic_opens WHERE topic_id = 'already_tried'"
    assert await count_rows(running, opened) == 0
    assert await count_rows(running, "SELECT COUNT(*) FROM topic_votes") == 0
