"""Broadcasts end to end: a moderator composes, previews and starts one, subscribers get it in
their language through Telegram's errors, progress is shown, and strangers see nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from fake_telegram import FakeGroup, FakeTelegram, FakeUser

from bot.domain import Language
from bot.keyboards.callbacks import BroadcastAct, ComposeAction, ComposeButton
from bot.services.content import Library
from tests.e2e.conftest import RunningBot, count_rows
from tests.e2e.test_onboarding import onboard

Tr = Callable[[str, Language | str], str]
RU, KK = Language.RU, Language.KK


async def compose(owner: FakeUser, tr: Tr, library: Library, *, kazakh: str | None) -> None:
    await owner.send("/broadcast")
    if kazakh is None:
        await owner.click(tr("Skip ➡️", RU))
    else:
        await owner.send(kazakh)
    await owner.send("Завтра — день <знаний> & безопасности")
    await owner.click(tr("Skip ➡️", RU))  # no photo
    await owner.click(tr("📚 A topic", RU))
    topic = library.topic("saying_no")
    assert topic is not None
    await owner.click(f"{topic.emoji} {topic.title.ru}")


async def test_moderator_broadcasts_to_subscribers_in_their_languages(
    fake: FakeTelegram,
    owner: FakeUser,
    aigerim: FakeUser,
    dmitry: FakeUser,
    tr: Tr,
    library: Library,
    running: RunningBot,
) -> None:
    await onboard(aigerim, tr, KK, "🧑 Teenager", None, subscribe=True)
    await onboard(dmitry, tr, RU, "👪 Parent", None, subscribe=True)
    unsubscribed = fake.user(user_id=8100, language_code="ru")
    await onboard(unsubscribed, tr, RU, "👪 Parent", None, subscribe=False)

    await compose(owner, tr, library, kazakh="Ертең — білім күні")
    reply = await owner.click(tr("Preview ➡️", RU))
    assert (
        "Ертең — білім күні" in reply.text and "Завтра — день <знаний> & безопасности" in reply.text
    )
    # Two subscribers: fewer than five, so the preview says "<5" (DESIGN.md, small cells).
    assert tr("Audience: {total} subscribers.", RU).format(total="<5") in reply.text
    assert tr("In Kazakh: {count}", RU).format(count=1) not in reply.text
    reply = await owner.click(tr("✅ Start the broadcast", RU))
    progress = reply.last
    assert progress.message_id is not None

    await fake.wait_for(
        lambda: (
            any("білім" in m.text for m in aigerim.messages)
            and any("безопасности" in m.text for m in dmitry.messages)
        ),
        timeout=10,
    )
    kazakh = next(m for m in aigerim.messages if "білім" in m.text)
    topic = library.topic("saying_no")
    assert topic is not None
    assert kazakh.buttons == [[f"{topic.emoji} {topic.title.kk}"]]
    assert not any("безопасности" in m.text for m in unsubscribed.messages)
    # The moderator's progress message ends as "finished", edited in place.
    finished = tr("📣 <b>Broadcast #{id}</b>: {status}", RU).format(id=1, status=tr("finished", RU))
    plain = finished.replace("<b>", "").replace("</b>", "")
    await fake.wait_for(
        lambda: any(
            m.message_id == progress.message_id and plain in m.text for m in owner.messages
        ),
        timeout=10,
    )
    reply = await aigerim.click_in(kazakh.message_id or 0, f"{topic.emoji} {topic.title.kk}")
    assert topic.cards[0].text.kk.splitlines()[0] in reply.text
    # The preview's Start, pressed again, says what is true and sends nothing.
    stale = await owner.click(tr("✅ Start the broadcast", RU))
    assert stale.callback_answer is not None
    assert stale.callback_answer.text == tr(
        "This composer is closed and the button does nothing now. Broadcasts you started are "
        "in /broadcasts with their progress.",
        RU,
    )
    assert await count_rows(running, "SELECT COUNT(*) FROM broadcasts") == 1
    # The topic opens in a new message: the broadcast stays as it was.
    assert reply.edits == [] and reply.messages
    still = next(m for m in aigerim.messages if m.message_id == kazakh.message_id)
    assert "білім" in still.text


async def test_one_language_only_goes_to_that_language(
    fake: FakeTelegram,
    owner: FakeUser,
    aigerim: FakeUser,
    dmitry: FakeUser,
    tr: Tr,
    library: Library,
) -> None:
    await onboard(aigerim, tr, KK, "🧑 Teenager", None, subscribe=True)
    await onboard(dmitry, tr, RU, "👪 Parent", None, subscribe=True)
    await compose(owner, tr, library, kazakh=None)
    reply = await owner.click(tr("Preview ➡️", RU))
    warning = tr("⚠️ There is no Kazakh text: Kazakh-speaking subscribers will not get it.", RU)
    assert warning in reply.text
    await owner.click(tr("✅ Start the broadcast", RU))
    await fake.wait_for(lambda: any("безопасности" in m.text for m in dmitry.messages), timeout=10)
    await aigerim.expect_silence(0.3)


async def test_telegram_errors_during_a_broadcast(
    fake: FakeTelegram, owner: FakeUser, tr: Tr, library: Library, running: RunningBot
) -> None:
    people = [fake.user(user_id=8200 + n, language_code="ru") for n in range(6)]
    for person in people:
        await onboard(person, tr, RU, "👪 Parent", None, subscribe=True)
    blocked, limited, flaky, dropped = people[:4]
    fake.block(blocked.user_id)
    fake.fail_next("sendMessage", error_code=429, retry_after=1, chat_id=limited.chat_id)
    fake.fail_next("sendMessage", error_code=502, description="Bad Gateway", chat_id=flaky.chat_id)
    fake.drop_next("sendMessage", chat_id=dropped.chat_id)

    await compose(owner, tr, library, kazakh=None)
    await owner.click(tr("Preview ➡️", RU))
    await owner.click(tr("✅ Start the broadcast", RU))

    def received(user: FakeUser) -> bool:
        return any("безопасности" in m.text for m in user.messages)

    await fake.wait_for(lambda: all(received(p) for p in people[1:]), timeout=15)
    assert not received(blocked)
    broadcasts = running.app.services.broadcasts
    for _ in range(50):  # the last batch's outcomes are recorded right after the sends
        broadcast = await broadcasts.get(1)
        if broadcast.left == 0:
            break
        await asyncio.sleep(0.05)
    assert (broadcast.sent, broadcast.blocked, broadcast.failed) == (5, 1, 0)
    profile = await running.app.services.users.get(blocked.user_id)
    assert profile is not None and not profile.subscribed
    # Each of the five got exactly one copy.
    assert all(sum("безопасности" in m.text for m in p.messages) == 1 for p in people[1:])
    assert fake.error_counts.get(429, 0) >= 1


async def test_broadcasts_can_be_listed_paused_and_cancelled(
    fake: FakeTelegram, owner: FakeUser, tr: Tr, library: Library, running: RunningBot
) -> None:
    broadcasts = running.app.services.broadcasts
    await compose(owner, tr, library, kazakh="Сәлем")
    await owner.click(tr("Preview ➡️", RU))
    await owner.click(tr("✅ Start the broadcast", RU))
    # The list, read from the message itself: the broadcast's progress message may be edited
    # (to "finished") in the same moment, and that edit is not the list.
    listing = (await owner.send("/broadcasts")).messages[0]
    entries = [text for row in listing.buttons for text in row]
    assert entries and entries[0].startswith("#1")
    reply = await owner.click_in(listing.message_id or 0, entries[0])
    assert "#1" in reply.text
    status = (await broadcasts.get(1)).status.value
    assert status in {"running", "done"}


async def test_campaigns_command(
    fake: FakeTelegram, owner: FakeUser, tr: Tr, library: Library, running: RunningBot
) -> None:
    reply = await owner.send("/campaigns")
    assert tr("<b>Campaigns in the next {days} days</b> (Astana time)", RU).split("<b>")[1][
        :10
    ] in (reply.text)
    june = library.campaign("june26_day")
    assert june is not None
    reply = await owner.click(tr("👁 {title}", RU).format(title=june.title.ru))
    assert june.text.kk.splitlines()[0] in reply.text and june.text.ru.splitlines()[0] in reply.text
    reply = await owner.send("/campaigns")
    await owner.click_in(reply.last.message_id or 0, tr("⏸ Switch off", RU))
    assert not await running.app.services.campaigns.is_enabled(library.campaigns[0].id)


async def test_strangers_cannot_broadcast(
    dmitry: FakeUser, tr: Tr, running: RunningBot, moderators_chat: FakeGroup
) -> None:
    await onboard(dmitry, tr, RU, "👪 Parent", None, subscribe=True)
    unknown = tr("I don't know that command. Here is what I can do:", RU)
    for command in ("/broadcast", "/broadcasts", "/campaigns"):
        reply = await dmitry.send(command)
        assert unknown in reply.text, command
    menu = (await dmitry.send("/menu")).last
    forged = BroadcastAct(broadcast=1, control="cancel").pack()
    reply = await dmitry.click_data(menu.message_id or 0, forged)
    assert reply.callback_answer is not None
    assert await running.app.services.broadcasts.recent() == []


async def test_the_composer_asks_for_what_it_needs_and_cancels_cleanly(
    owner: FakeUser, tr: Tr, running: RunningBot
) -> None:
    await owner.send("/broadcast")
    reply = await owner.send_sticker()  # not a text
    assert reply.text == tr("Please send text, or press Skip.", RU)
    await owner.click(tr("Skip ➡️", RU))  # no Kazakh text
    skip_russian = owner.last_bot_message
    reply = await owner.click(tr("Skip ➡️", RU))  # and no Russian text either
    assert reply.callback_answer is not None
    assert reply.callback_answer.text == tr("At least one language needs a text.", RU)
    reply = await owner.click(tr("❌ Cancel", RU))
    assert tr("The broadcast was cancelled; nothing was sent.", RU) in reply.text
    # Skip pressed again on a client that still shows it: the composer is closed, and says so.
    reply = await owner.click_data(
        skip_russian.message_id or 0, ComposeButton(action=ComposeAction.SKIP).pack()
    )
    assert reply.callback_answer is not None and "/broadcasts" in reply.callback_answer.text
    assert await running.app.services.broadcasts.recent() == []


async def test_a_broadcast_for_one_region_and_group_with_the_report_form_under_it(
    fake: FakeTelegram,
    owner: FakeUser,
    aigerim: FakeUser,
    dmitry: FakeUser,
    tr: Tr,
    running: RunningBot,
) -> None:
    almaty_teen, astana_teen, almaty_parent = aigerim, fake.user(user_id=8200), dmitry
    await onboard(almaty_teen, tr, KK, "🧑 Teenager", "Алматы", subscribe=True)
    await onboard(astana_teen, tr, KK, "🧑 Teenager", "Астана", subscribe=True)
    await onboard(almaty_parent, tr, RU, "👪 Parent", "Алматы", subscribe=True)

    await owner.send("/broadcast")
    await owner.send("Алматыда жаңа «жұмыс» жарнамалары: көрсең, хабарла")
    await owner.click(tr("Skip ➡️", RU))  # no Russian text
    await owner.click(tr("Skip ➡️", RU))  # no photo
    reply = await owner.click(tr("🕵️ The report form", RU))
    assert tr("Step 5 of 5. Who should get it?", RU) in reply.text
    # Every group is chosen at first; the last one cannot be switched off.
    for role in ("👪 Parent", "🧑‍🏫 Teacher or specialist"):
        reply = await owner.click(f"✅ {tr(role, RU)}")
        assert f"⬜ {tr(role, RU)}" in reply.buttons
    reply = await owner.click(f"✅ {tr('🧑 Teenager', RU)}")
    assert reply.callback_answer is not None
    assert reply.callback_answer.text == tr("Choose at least one group.", RU)
    reply = await owner.click(tr("📍 Region: {region}", RU).format(region=tr("all regions", RU)))
    assert tr("Which region?", RU) in reply.text and tr("All regions", RU) in reply.buttons
    reply = await owner.click("Алматы")
    assert tr("📍 Region: {region}", RU).format(region="Алматы") in reply.buttons

    reply = await owner.click(tr("Preview ➡️", RU))
    assert tr("Audience: {total} subscribers.", RU).format(total="<5") in reply.text
    await owner.click(tr("✅ Start the broadcast", RU))
    await fake.wait_for(lambda: any("жарнама" in m.text for m in almaty_teen.messages), 10)
    broadcast = next(m for m in almaty_teen.messages if "жарнама" in m.text)
    assert broadcast.buttons == [[tr("🕵️ Report anonymously", KK)]]
    await astana_teen.expect_silence(0.3)
    assert not any("жарнама" in m.text for m in almaty_parent.messages)

    # The button under the broadcast opens the report form in a new message; the broadcast
    # stays as it was.
    reply = await almaty_teen.click_in(broadcast.message_id, tr("🕵️ Report anonymously", KK))
    assert reply.edits == [] and len(reply.messages) == 1
    title = tr("🕵️ <b>Anonymous report</b>", KK).replace("<b>", "").replace("</b>", "")
    assert reply.messages[0].text.startswith(title)
    assert reply.messages[0].message_id != broadcast.message_id
    still = next(m for m in almaty_teen.messages if m.message_id == broadcast.message_id)
    assert still.text == broadcast.text and not still.edited


@pytest.mark.parametrize("kind", ["🧩 A quiz", "🆘 Help contacts"])
async def test_a_broadcast_button_opens_its_quiz_or_the_helplines(
    fake: FakeTelegram,
    owner: FakeUser,
    dmitry: FakeUser,
    tr: Tr,
    library: Library,
    running: RunningBot,
    kind: str,
) -> None:
    await onboard(dmitry, tr, RU, "🧑 Teenager", None, subscribe=True)
    quiz = library.quizzes[0]
    await owner.send("/broadcast")
    await owner.click(tr("Skip ➡️", RU))  # no Kazakh text
    await owner.send("Проверь себя перед каникулами")
    await owner.click(tr("Skip ➡️", RU))  # no photo
    await owner.click(tr(kind, RU))
    if kind == "🧩 A quiz":
        await owner.click(f"{quiz.emoji} {quiz.title.ru}")
    await owner.click(tr("Preview ➡️", RU))
    await owner.click(tr("✅ Start the broadcast", RU))
    await fake.wait_for(lambda: any("каникулами" in m.text for m in dmitry.messages), 10)
    broadcast = next(m for m in dmitry.messages if "каникулами" in m.text)
    label = f"{quiz.emoji} {quiz.title.ru}" if kind == "🧩 A quiz" else tr("🆘 Get help now", RU)
    assert broadcast.buttons == [[label]]
    reply = await dmitry.click_in(broadcast.message_id, label)
    assert reply.edits == [] and reply.messages  # a new message under the broadcast
    if kind == "🧩 A quiz":
        assert quiz.intro.ru.splitlines()[0] in reply.text
    else:
        assert library.help.phone("emergency_112") in reply.text
