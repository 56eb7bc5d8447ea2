"""Floods, exceptions, group chats, blocked users and a clean shutdown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from fake_telegram import FakeTelegram, FakeUser

from bot.app import Application
from bot.db.repositories import users as users_repo
from bot.domain import Language
from bot.handlers import helplines
from tests.e2e.conftest import RunningBot, adult, make_settings
from tests.e2e.test_onboarding import onboard

Tr = Callable[[str, Language | str], str]
RU = Language.RU
PARENT = adult(RU)  # what a parent reads: the formal register
SLOW_DOWN = "Too many messages at once. Please slow down and try again in a moment."


async def test_flood_is_dropped_after_one_warning(
    fake: FakeTelegram, tmp_path: Path, tr: Tr
) -> None:
    bot = RunningBot(Application(make_settings(fake, tmp_path, flood_limit=3)))
    await bot.start(fake)
    try:
        user = fake.user(user_id=5005, language_code="ru")
        replies = await user.send_many([f"spam {n}" for n in range(12)])
        warnings = [m for m in replies if m.text == tr(SLOW_DOWN, RU)]
        assert len(warnings) == 1
        greetings = [m for m in replies if m.text != tr(SLOW_DOWN, RU)]
        assert len(greetings) == 3  # the first three were answered, nine dropped
        await asyncio.sleep(1.1)
        reply = await user.send("/privacy")
        assert tr("<b>What I keep</b>", RU).removeprefix("<b>").removesuffix("</b>") in reply.text
    finally:
        await bot.stop()


async def test_exception_gets_an_apology_and_the_bot_keeps_running(
    dmitry: FakeUser, tr: Tr, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await onboard(dmitry, tr, RU, "👪 Parent", None, subscribe=True)

    secret = "the help file " + "went missing"  # as data, not in the traceback's source line

    def broken(*args: object) -> str:
        raise RuntimeError(secret)

    monkeypatch.setattr(helplines, "helplines_text", broken)
    await dmitry.send("/menu")
    with caplog.at_level(logging.ERROR):
        reply = await dmitry.click(tr("🆘 Get help now", PARENT))
    apology = tr("Sorry, something went wrong on my side. Please try again in a minute.", PARENT)
    assert reply.callback_answer is not None and reply.callback_answer.text == apology
    # Logged by its type and where it happened; not its message, which could carry a
    # statement's values or a person's input.
    assert any(
        "RuntimeError" in r.getMessage() and "test_robustness.py" in r.getMessage()
        for r in caplog.records
    )
    assert not any("went missing" in r.getMessage() or r.exc_info for r in caplog.records)
    # No user identity in the log line.
    assert all(str(dmitry.user_id) not in r.getMessage() for r in caplog.records)
    reply = await dmitry.send("/help")
    assert "112" in reply.text


async def test_group_chat_gets_an_invitation_and_then_silence(
    fake: FakeTelegram, tr: Tr, running: RunningBot
) -> None:
    group = fake.group(chat_id=-4242, title="School 12")
    member = fake.user(user_id=3003, language_code="ru")
    reply = await group.send(member, "/start")
    assert reply.text == tr(
        "Hi! I talk one to one, so that what you ask stays between us. Write to me privately.", RU
    )
    assert reply.last.url_buttons == ["https://t.me/qorgan_test_bot?start=group"]
    await group.send(member, "hello everyone", expect_reply=False)
    await group.expect_silence(0.5)


async def test_blocked_user_is_unsubscribed_and_bot_keeps_running(
    fake: FakeTelegram, dmitry: FakeUser, aigerim: FakeUser, tr: Tr, running: RunningBot
) -> None:
    await onboard(dmitry, tr, RU, "👪 Parent", None, subscribe=True)
    await dmitry.block_bot()
    await dmitry.send("/help", expect_reply=False)
    async with running.app.db.transaction() as conn:
        profile = await users_repo.get(conn, dmitry.user_id)
    assert profile is not None and not profile.subscribed
    reply = await aigerim.send("/start")
    assert reply.buttons == ["🇰🇿 Қазақша", "🇷🇺 Русский"]


async def test_shutdown_lets_updates_finish_and_closes_the_database(
    fake: FakeTelegram, tmp_path: Path, tr: Tr
) -> None:
    # Updates handled as tasks, as in production, so one is in flight while polling stops.
    bot = RunningBot(Application(make_settings(fake, tmp_path)), as_tasks=True)
    await bot.start(fake)
    user = fake.user(user_id=4004, language_code="ru")
    await user.send("/start")
    fake.delay("sendMessage", 0.3)
    pending = asyncio.create_task(user.send("/privacy"))
    await fake.wait_for(lambda: len(fake.calls_to("sendMessage", finished=False)) >= 2, timeout=5)
    await bot.stop()
    reply = await pending
    assert tr("<b>What I keep</b>", RU).replace("<b>", "").replace("</b>", "") in reply.text
    assert not bot.app.db.is_open


async def test_an_update_aiogram_cannot_read_is_skipped_without_its_content(
    fake: FakeTelegram, running: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    user = fake.user(user_id=5123, first_name="Secretname", username="secret_user")
    # A message whose chat is not a Chat: aiogram cannot parse it.
    broken = {
        "message_id": 1,
        "date": 0,
        "chat": "not a chat",
        "from": user.user,
        "text": "my very private words",
    }
    update_id = fake.push_update("message", broken)
    reply = await user.send("/privacy")
    assert reply.text  # polling went on and the next update was answered
    offsets = [c.params.get("offset") for c in fake.calls_to("getUpdates")]
    assert any(isinstance(o, int) and o > update_id for o in offsets)  # it was confirmed
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert f"Skipped update {update_id}" in logged
    for secret in ("my very private words", "Secretname", "secret_user", "5123"):
        assert secret not in logged, secret


async def test_flood_control_and_server_errors_delay_a_screen_never_drop_it(
    fake: FakeTelegram, running: RunningBot, tr: Tr
) -> None:
    user = fake.user(user_id=5124, language_code="ru")
    fake.fail_next("sendMessage", 429, retry_after=1, chat_id=user.chat_id)
    reply = await user.send("/privacy", timeout=10)
    assert tr("<b>What I keep</b>", RU).removeprefix("<b>").removesuffix("</b>") in reply.text
    fake.fail_next("sendMessage", 502, description="Bad Gateway", times=2, chat_id=user.chat_id)
    reply = await user.send("/privacy", timeout=10)
    assert tr("<b>What I keep</b>", RU).removeprefix("<b>").removesuffix("</b>") in reply.text
    attempts = [c for c in fake.calls_to("sendMessage") if c.params.get("chat_id") == user.chat_id]
    assert len(attempts) == 5  # 429 then success; 502, 502, then success
