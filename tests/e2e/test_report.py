"""The anonymous report, end to end: each category in both languages, photos, a location,
bad input, cancel and timeout, the daily limit, and the receipt."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fake_telegram import FakeGroup, FakeTelegram, FakeUser, Reply

from bot.app import Application
from bot.domain import Language, TipCategory
from tests.e2e.conftest import RunningBot, adult, make_settings, open_details
from tests.e2e.test_onboarding import onboard

pytestmark = pytest.mark.shared_state

Tr = Callable[[str, Language | str], str]
RU, KK = Language.RU, Language.KK
PARENT = adult(RU)  # what a parent reads: the formal register
RECEIPT = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
CATEGORY_LABELS = {
    TipCategory.CHANNEL: "📢 Telegram channel, bot or chat",
    TipCategory.WEBSITE: "🌐 Website or social network",
    TipCategory.WALL_ADVERT: "🧱 Advert on a wall, graffiti or QR code",
    TipCategory.STASH: "📍 A stash (закладка)",
    TipCategory.RECRUITING: "🎣 Someone recruiting teenagers",
    TipCategory.OTHER: "❓ Something else",
}


def receipt_in(reply: Reply) -> str:
    match = RECEIPT.search(reply.text)
    assert match, reply.text
    return match.group(0)


async def report(user: FakeUser, tr: Tr, language: Language, category: TipCategory) -> str:
    """Go through the shortest path for a category; return the receipt code."""
    reply = await user.send("/report")
    assert "102" in reply.text
    await user.click(tr(CATEGORY_LABELS[category], language))
    if category.is_online:
        await user.send("https://t.me/Shop_X")
    elif category.is_in_the_street:
        await user.click(tr("I don't know", language))  # the place's region
        await user.send("Алматы, Абая 10")
    else:
        await user.click(tr("Skip ➡️", language))
    await user.send("Someone offers «лёгкие деньги» after school")
    await user.click(tr("Skip ➡️", language))  # no photos
    reply = await user.click(tr("✅ Send", language))
    return receipt_in(reply)


@pytest.mark.parametrize("category", list(TipCategory))
@pytest.mark.parametrize("language", [RU, KK])
async def test_every_category_in_both_languages(
    fake: FakeTelegram,
    moderators_chat: FakeGroup,
    running: RunningBot,
    tr: Tr,
    category: TipCategory,
    language: Language,
) -> None:
    user = fake.user(user_id=6000, language_code=language.value)
    code = await report(user, tr, language, category)
    await fake.wait_for(lambda: bool(moderators_chat.messages), timeout=5)
    card = moderators_chat.messages[-1]
    assert tr(CATEGORY_LABELS[category], RU) in card.text
    assert fake.calls_to("forwardMessage") == []
    assert code not in card.text


async def test_channel_with_photos_reaches_moderators(
    fake: FakeTelegram, owner: FakeUser, moderators_chat: FakeGroup, dmitry: FakeUser, tr: Tr
) -> None:
    await onboard(dmitry, tr, RU, "👪 Parent", "Астана", subscribe=False)
    await dmitry.send("/menu")
    reply = await dmitry.click(tr("🕵️ Report anonymously", PARENT))
    assert tr("What do you want to report?", PARENT) in reply.text
    await dmitry.click(tr(CATEGORY_LABELS[TipCategory.CHANNEL], PARENT))
    reply = await dmitry.send("hello")
    assert "t.me/name" in reply.text  # not a link: asked again
    await dmitry.send("https://telegram.me/Shop_X/123")
    await dmitry.send("They sell <b>соль</b> & mephedrone, <a href='x'>link</a>")
    reply = await dmitry.send_photo()
    assert "1" in reply.text and "3" in reply.text
    await dmitry.send_photo()
    reply = await dmitry.click(tr("Done ➡️", PARENT))
    assert tr("Photos: {count}", PARENT).format(count=2) in reply.text
    assert "t.me/shop_x/123" in reply.text  # normalised; the post number kept for moderators
    reply = await dmitry.click(tr("✅ Send", PARENT))
    code = receipt_in(reply)
    assert f"/status {code}" in reply.text

    # The shared chat gets the summary alone; details open in a moderator's private chat.
    await fake.wait_for(lambda: bool(moderators_chat.messages), timeout=5)
    assert [m.kind for m in moderators_chat.messages] == ["message"]
    assert "t.me/shop_x" not in moderators_chat.messages[-1].text
    before = len(owner.messages)
    card = await open_details(fake, owner, moderators_chat)
    assert [m.kind for m in owner.messages[before:]] == ["photo", "photo", "message"]
    assert "t.me/shop_x" in card
    # The reporter's text reaches moderators verbatim, escaped, never as markup.
    assert "They sell <b>соль</b> & mephedrone, <a href='x'>link</a>" in card
    # Photos are re-encoded and uploaded anew, never sent by the reporter's file_id.
    sent_photos = [c.params.get("photo") for c in fake.calls_to("sendPhoto")]
    assert len(sent_photos) == 2 and all(not isinstance(p, str) for p in sent_photos)
    assert fake.calls_to("forwardMessage") == []


async def test_stash_with_location_in_kazakh(
    fake: FakeTelegram, owner: FakeUser, moderators_chat: FakeGroup, aigerim: FakeUser, tr: Tr
) -> None:
    await onboard(aigerim, tr, KK, "🧑 Teenager", "Шымкент", subscribe=False)
    await aigerim.send("/report")
    reply = await aigerim.click(tr(CATEGORY_LABELS[TipCategory.STASH], KK))
    # The place's region is asked with nothing chosen: the reporter's own is not the place's.
    assert reply.text == tr("Which region is it in?", KK)
    reply = await aigerim.click("Түркістан облысы")
    assert "Түркістан облысы" in reply.text
    assert "⚠️" in reply.text  # a location is exact: said before it is shared
    reply = await aigerim.send_location(43.2975, 68.2517)
    assert tr("📍 Location added.", KK) in reply.text
    await aigerim.click(tr("Skip ➡️", KK))  # no description
    await aigerim.click(tr("Skip ➡️", KK))  # no photos
    reply = await aigerim.click(tr("✅ Send", KK))
    receipt_in(reply)
    await fake.wait_for(lambda: bool(moderators_chat.messages), timeout=5)
    summary = moderators_chat.messages[-1].text
    assert "Туркестанская область" in summary  # moderators read it in their language
    assert "43.29750" not in summary  # the exact place is not for the whole group
    before = len(owner.messages)
    card = await open_details(fake, owner, moderators_chat)
    assert [m.kind for m in owner.messages[before:]] == ["location", "message"]
    assert "43.29750" in card


async def test_bad_input_is_answered_and_the_form_goes_on(
    fake: FakeTelegram, moderators_chat: FakeGroup, dmitry: FakeUser, tr: Tr
) -> None:
    await dmitry.send("/report")
    await dmitry.click(tr(CATEGORY_LABELS[TipCategory.OTHER], RU))
    reply = await dmitry.send_video()
    assert tr("Skip ➡️", RU) not in reply.text and reply.text
    await dmitry.click(tr("Skip ➡️", RU))
    reply = await dmitry.send("x" * 1501)
    assert "1501" in reply.text and "1500" in reply.text
    reply = await dmitry.send_sticker()
    assert reply.text
    reply = await dmitry.send_photo()
    assert tr("📷 Photo {count} of {limit} added.", RU).format(count=1, limit=3) in reply.text
    describe = (
        "Describe what you saw, in your own words (up to 1500 characters). "
        "Don't write your name or anything about yourself."
    )
    assert tr(describe, RU) in reply.text  # still asked for words
    await dmitry.send("A stranger offers teenagers a courier job")
    reply = await dmitry.send_document("stash.jpg", "image/jpeg")
    assert "EXIF" in reply.text or tr("Send a photo, or press the button above.", RU) != reply.text
    reply = await dmitry.send_voice()
    assert reply.text
    reply = await dmitry.send("not a photo")
    assert reply.text == tr("Send a photo, or press the button above.", RU)
    await dmitry.click(tr("Done ➡️", RU))
    reply = await dmitry.send("hello")
    assert reply.text == tr("Please use the buttons above, or send /cancel to stop the report.", RU)
    reply = await dmitry.send("/help")
    assert "112" in reply.text  # commands still work inside the form
    reply = await dmitry.click(tr("✅ Send", RU))
    receipt_in(reply)


async def test_edit_from_the_review_screen(
    fake: FakeTelegram, moderators_chat: FakeGroup, dmitry: FakeUser, tr: Tr
) -> None:
    await dmitry.send("/report")
    await dmitry.click(tr(CATEGORY_LABELS[TipCategory.WEBSITE], RU))
    await dmitry.send("shop.example.kz/buy")
    await dmitry.send("first words")
    reply = await dmitry.click(tr("Skip ➡️", RU))
    assert "first words" in reply.text
    await dmitry.click(tr("✏️ Edit", RU))
    await dmitry.click(tr("📝 The description", RU))
    reply = await dmitry.send("better words")
    assert "better words" in reply.text and "first words" not in reply.text
    await dmitry.click(tr("✏️ Edit", RU))
    await dmitry.click(tr("📂 What it is", RU))
    reply = await dmitry.click(tr(CATEGORY_LABELS[TipCategory.WALL_ADVERT], RU))
    # A web link doesn't describe a wall: the place is asked for again, region first.
    reply = await dmitry.click("Астана")
    reply = await dmitry.send("Астана, Кенесары 5")
    assert "Кенесары" in reply.text and "shop.example.kz" not in reply.text
    receipt_in(await dmitry.click(tr("✅ Send", RU)))


async def test_cancel_deletes_the_draft(dmitry: FakeUser, tr: Tr, running: RunningBot) -> None:
    await dmitry.send("/report")
    await dmitry.click(tr(CATEGORY_LABELS[TipCategory.CHANNEL], RU))
    assert await running.app.drafts.draft(dmitry.chat_id) is not None
    reply = await dmitry.click(tr("❌ Cancel the report", RU))
    assert reply.text == tr("Report cancelled. Nothing was saved.", RU)
    assert await running.app.drafts.get(dmitry.chat_id) is None
    await dmitry.send("/report")
    assert await running.app.drafts.draft(dmitry.chat_id) is not None
    await dmitry.send("/cancel")
    assert await running.app.drafts.get(dmitry.chat_id) is None
    reply = await dmitry.send("https://t.me/shop")
    assert tr("🇷🇺 Русский", RU) in reply.buttons or reply.text  # no longer in the form


@pytest.mark.memory_only  # Redis expires drafts itself: tests/unit/test_shared_state.py
async def test_idle_draft_expires(dmitry: FakeUser, tr: Tr, running: RunningBot) -> None:
    running.app.drafts.idle_seconds = 0.3
    await dmitry.send("/report")
    await dmitry.click(tr(CATEGORY_LABELS[TipCategory.CHANNEL], RU))
    await asyncio.sleep(0.4)
    assert await running.app.drafts.sweep() == 1
    reply = await dmitry.send("https://t.me/shop_x")
    assert "/report" in reply.text and "30" in reply.text


async def test_daily_limit(
    fake: FakeTelegram, tmp_path: Path, tr: Tr, moderators_chat: FakeGroup
) -> None:
    bot = RunningBot(Application(make_settings(fake, tmp_path, tips_per_day=1)))
    await bot.start(fake)
    try:
        user = fake.user(user_id=6100, language_code="ru")
        await report(user, tr, RU, TipCategory.CHANNEL)
        reply = await user.send("/report")
        assert "102" in reply.text and "1" in reply.text
        assert tr("What do you want to report?", RU) not in reply.text
    finally:
        await bot.stop()


async def test_receipt_follows_moderation(
    fake: FakeTelegram, owner: FakeUser, moderators_chat: FakeGroup, dmitry: FakeUser, tr: Tr
) -> None:
    code = await report(dmitry, tr, RU, TipCategory.CHANNEL)
    reply = await dmitry.send(f"/status {code}")
    assert tr("received, waiting for a moderator", RU) in reply.text

    await fake.wait_for(lambda: bool(moderators_chat.messages), timeout=5)
    card = moderators_chat.messages[-1]
    assert card.message_id is not None
    await owner.in_group(moderators_chat).click_in(card.message_id, tr("👀 In review", RU))
    await open_details(fake, owner, moderators_chat)
    await owner.click(tr("💬 Reply to reporter", RU))
    prompt = owner.last_bot_message
    await owner.send("Спасибо! Передали в полицию.", reply_to=prompt.message_id)
    await owner.click(tr("✅ Confirm", RU))

    reply = await dmitry.send(f"/status {code.lower()}")
    assert tr("a moderator is looking at it", RU) in reply.text
    assert "Спасибо! Передали в полицию." in reply.text

    # Only wrong codes count towards the guessing limit: two real checks and three typos
    # leave the reporter a try; a fifth wrong code locks the chat out for an hour.
    reply = await dmitry.send("/status AAAA-BBBB-CCCC-DDDD")
    assert reply.text == tr("No report has this code. Check it and try again.", RU)
    for _ in range(3):
        await dmitry.send("/status AAAA-BBBB-CCCC-DDDD")
    reply = await dmitry.send(f"/status {code}")
    assert tr("a moderator is looking at it", RU) in reply.text
    await dmitry.send("/status AAAA-BBBB-CCCC-DDDD")
    reply = await dmitry.send(f"/status {code}")
    assert reply.text == tr("Too many tries. Please wait an hour and try again.", RU)
