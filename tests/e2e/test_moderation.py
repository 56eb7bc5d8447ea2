"""Moderators: tip cards in their chat, grouping, the /tips queue, export, and what a
non-moderator cannot do; plus the anonymity guarantee, checked byte by byte."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from fake_telegram import FakeGroup, FakeTelegram, FakeUser
from fake_telegram.client import channel_origin, user_origin
from fake_telegram.spec import UploadedFile

from bot.domain import Language, TipCategory, TipStatus
from bot.i18n import create_i18n
from bot.keyboards.callbacks import TipSetStatus
from tests.e2e.conftest import OWNER_ID, RunningBot, count_rows, open_details
from tests.e2e.test_onboarding import onboard
from tests.e2e.test_report import receipt_in, report
from tests.engines import fetch

Tr = Callable[[str, Language | str], str]
RU, KK = Language.RU, Language.KK


def ngettext_ru(singular: str, count: int) -> str:
    """The Russian form of a plural msgid (given by its singular) for `count`."""
    plural = singular.replace("time.", "times.")
    return create_i18n().gettext(singular, plural, count, locale="ru")


async def test_the_same_place_is_grouped_on_the_card(
    fake: FakeTelegram, owner: FakeUser, moderators_chat: FakeGroup, running: RunningBot, tr: Tr
) -> None:
    first = fake.user(user_id=7001, language_code="ru")
    second = fake.user(user_id=7002, language_code="kk")
    await report(first, tr, RU, TipCategory.CHANNEL)  # https://t.me/Shop_X
    await second.send("/report")
    await second.click(tr("📢 Telegram channel, bot or chat", KK))
    await second.send("@shop_x")
    await second.click(tr("Skip ➡️", KK))
    await second.click(tr("Skip ➡️", KK))
    await second.click(tr("✅ Send", KK))
    await fake.wait_for(lambda: len(moderators_chat.messages) >= 2, timeout=5)
    summary = moderators_chat.messages[-1].text
    assert "t.me/shop_x" not in summary  # the link is a detail, for one staff member at a time
    assert ngettext_ru("🔁 The same place was reported {count} time.", 2).format(count=2) in summary
    card = await open_details(fake, owner, moderators_chat, 2)
    assert "t.me/shop_x" in card
    # Cards show dates in the bot's time zone (TIMEZONE), where the day may differ from UTC's.
    today = dt.datetime.now(ZoneInfo("Asia/Almaty")).date().isoformat()
    grouped = tr("🔁 Reported {count} times: first {first}, last {last}", RU)
    assert grouped.format(count=2, first=today, last=today) in card


async def test_moderator_works_the_queue_and_exports(
    fake: FakeTelegram, owner: FakeUser, moderators_chat: FakeGroup, tr: Tr, running: RunningBot
) -> None:
    reporter = fake.user(user_id=7003, language_code="ru")
    await report(reporter, tr, RU, TipCategory.CHANNEL)
    await report(reporter, tr, RU, TipCategory.STASH)
    reply = await owner.send("/tips")
    assert (
        tr("<b>Tips</b>: {count} found", RU).format(count=2).replace("<b>", "").replace("</b>", "")
        in reply.text
    )
    tip_buttons = [b for b in reply.buttons if b.startswith("🆕")]
    assert len(tip_buttons) == 2
    reply = await owner.click(tip_buttons[-1])  # the older one: the channel
    assert "t.me/shop_x" in reply.text
    reply = await owner.click(tr("👀 In review", RU))
    assert tr("Status: {status}", RU).format(status=tr("👀 In review", RU)) in reply.text
    reply = await owner.click(tr("✔️ Confirmed", RU))
    assert tr("👮 Passed to police", RU) in reply.buttons
    assert tr("🎨 Painted over", RU) not in reply.buttons  # only for wall adverts
    await owner.click(tr("📝 Note", RU))
    prompt = owner.messages[-1]
    reply = await owner.send("Канал активен, передано", reply_to=prompt.message_id)
    assert "#" in reply.text

    # Filters: only confirmed tips.
    await owner.send("/tips")
    await owner.click(tr("Status", RU))
    reply = await owner.click(tr("✔️ Confirmed", RU))
    assert len([b for b in reply.buttons if b.startswith("✔️")]) == 1

    reply = await owner.send("/export")
    document = fake.calls_to("sendDocument")[-1].params["document"]
    assert isinstance(document, UploadedFile)
    rows = list(csv.DictReader(io.StringIO(document.data.decode("utf-8-sig"))))
    assert [r["category"] for r in rows] == ["channel", "stash"]
    assert rows[0]["status"] == "confirmed" and rows[0]["notes"] == "Канал активен, передано"
    reply = await owner.send("/export 2026-13-01")
    assert "YYYY-MM-DD" in reply.text
    audit = await count_rows(running, "SELECT COUNT(*) FROM audit_log WHERE actor_id = ?", OWNER_ID)
    assert audit == 4  # two status changes, a note, an export


async def test_a_tip_whose_card_the_chat_refuses_waits_in_the_queue(
    fake: FakeTelegram,
    owner: FakeUser,
    moderators_chat: FakeGroup,
    running: RunningBot,
    tr: Tr,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The bot was removed from the moderators' chat: Telegram refuses the card (403).
    fake.store.chats[moderators_chat.chat_id].bot_is_member = False
    reporter = fake.user(user_id=7004, language_code="ru")
    assert await report(reporter, tr, RU, TipCategory.CHANNEL)  # a receipt, as always
    await fake.wait_for(
        lambda: any("Could not post a tip" in r.getMessage() for r in caplog.records), timeout=5
    )
    (logged,) = [r for r in caplog.records if "Could not post a tip" in r.getMessage()]
    assert logged.levelno == logging.ERROR  # for the operator, who must add the bot back
    assert moderators_chat.messages == []
    reply = await owner.send("/tips")  # the tip is not lost: it waits in the queue
    assert [b for b in reply.buttons if b.startswith("🆕")]


async def test_a_moderator_searches_the_tips_in_either_alphabet_and_case(
    fake: FakeTelegram, owner: FakeUser, moderators_chat: FakeGroup, tr: Tr
) -> None:
    reporter = fake.user(user_id=7004, language_code="ru")
    await report(reporter, tr, RU, TipCategory.STASH)  # "Алматы, Абая 10", «лёгкие деньги»
    await report(reporter, tr, RU, TipCategory.CHANNEL)  # t.me/shop_x
    reply = await owner.send("/tips АБАЯ Легкие")
    assert tr("Search: {words}", RU).format(words="абая легкие") in reply.text
    (stash,) = [b for b in reply.buttons if b.startswith("🆕")]
    assert "t.me/" not in stash
    reply = await owner.send("/tips SHOP_X")
    (channel,) = [b for b in reply.buttons if b.startswith("🆕")]
    assert "t.me/shop_x" in channel
    reply = await owner.send("/tips нет такого")
    assert tr("Nothing here.", RU) in reply.text
    reply = await owner.click(tr("Clear search", RU))  # back to the whole queue
    assert len([b for b in reply.buttons if b.startswith("🆕")]) == 2
    assert tr("To search: /tips and words from the address, description or a link.", RU) in (
        reply.text
    )


async def test_a_stranger_sees_no_tip_and_moves_nothing(
    fake: FakeTelegram,
    moderators_chat: FakeGroup,
    dmitry: FakeUser,
    tr: Tr,
    running: RunningBot,
) -> None:
    await report(dmitry, tr, RU, TipCategory.CHANNEL)
    for command in ("/tips", "/export"):
        reply = await dmitry.send(command)
        assert tr("I don't know that command. Here is what I can do:", RU) in reply.text or (
            reply.buttons == ["🇰🇿 Қазақша", "🇷🇺 Русский"]
        )
    # A forged status change in a private chat.
    menu = (await dmitry.send("/help")).last
    assert menu.message_id is not None
    forged = TipSetStatus(tip=1, status=TipStatus.REJECTED).pack()
    reply = await dmitry.click_data(menu.message_id, forged)
    assert reply.callback_answer is not None
    # A stranger in the moderators' chat pressing a card's button.
    await fake.wait_for(lambda: bool(moderators_chat.messages), timeout=5)
    card = moderators_chat.messages[-1]
    assert card.message_id is not None
    stranger = dmitry.in_group(moderators_chat)
    reply = await stranger.click_in(card.message_id, tr("🚫 Rejected", RU))
    assert reply.callback_answer is not None
    assert await count_rows(running, "SELECT COUNT(*) FROM tips WHERE status = 'new'") == 1
    assert await count_rows(running, "SELECT COUNT(*) FROM audit_log") == 0


# Every table that holds tips or what happens to them.
TIP_TABLES = (
    "tips", "tip_links", "tip_origins", "tip_photos", "tip_events", "tip_notes", "audit_log",
)  # fmt: skip
REPORTER_ID = 718_293_645
REPORTER_USERNAME = "aigerim_reporter"
REPORTER_FIRST = "Aigerimka"
REPORTER_LAST = "Nurlanovna"


def identity_strings() -> list[str]:
    """Everything that would identify the reporter, including plain hashes of the id."""
    ident = str(REPORTER_ID)
    hashes = [
        hashlib.new(name, value.encode()).hexdigest()
        for name in ("md5", "sha1", "sha256")
        for value in (ident, f"@{REPORTER_USERNAME}", REPORTER_USERNAME)
    ]
    return [ident, REPORTER_USERNAME, REPORTER_FIRST, REPORTER_LAST, *hashes]


async def assert_nothing_identifies(
    fake: FakeTelegram,
    moderators_chat: FakeGroup,
    running: RunningBot,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The reporter's identity is in no tip row, no byte of the database or its WAL, no log
    line and no request to the moderators' chat; nothing is forwarded or copied."""
    forbidden = identity_strings()
    # 1. Tip-related rows hold no identity, as text or as an integer.
    for table in TIP_TABLES:
        for row in await fetch(running.app.db, f"SELECT * FROM {table}"):  # noqa: S608
            assert REPORTER_ID not in row, table
            text = " ".join(map(str, row))
            assert not [s for s in forbidden if s in text], table
    # The user exists, unlinked.
    assert await count_rows(running, "SELECT COUNT(*) FROM users WHERE chat_id = ?", REPORTER_ID)
    # 2. The database and its write-ahead log, byte by byte.
    path = running.app.settings.database_path
    for file in (path, path.with_name(path.name + "-wal")):
        if file.exists():
            data = file.read_bytes()
            assert not [s for s in forbidden if s.encode() in data], file
    # 3. Every log line.
    leaks = [
        f"{record.name}: {record.getMessage()[:200]}"
        for record in caplog.records
        if any(s in record.getMessage() + (record.exc_text or "") for s in forbidden)
    ]
    assert not leaks
    # 4. Every request to the moderators' chat, and never a forward.
    # The shared chat, and the private chat where a staff member opened the details.
    staff_chats = {moderators_chat.chat_id, OWNER_ID}
    to_moderators = [c for c in fake.calls if c.params.get("chat_id") in staff_chats]
    assert to_moderators
    for call in to_moderators:
        dumped = repr(call.params)
        assert not [s for s in forbidden if s in dumped], call.method
        assert "reply_to_message_id" not in call.params and "reply_parameters" not in call.params
    assert fake.calls_to("forwardMessage") == []
    assert fake.calls_to("copyMessage") == []


async def test_nothing_links_a_tip_to_its_reporter(
    fake: FakeTelegram,
    owner: FakeUser,
    moderators_chat: FakeGroup,
    running: RunningBot,
    tr: Tr,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    reporter = fake.user(
        user_id=REPORTER_ID,
        first_name=REPORTER_FIRST,
        last_name=REPORTER_LAST,
        username=REPORTER_USERNAME,
        language_code="kk",
    )
    # An onboarded reporter, so that a user row exists to be linked to.
    await reporter.send("/start")
    await reporter.click("Қазақша")
    await reporter.click(tr("🧑 Teenager", KK))
    await reporter.click("Алматы")
    await reporter.click(tr("No, thanks", KK))
    await reporter.send("/report")
    await reporter.click(tr("📍 A stash (закладка)", KK))
    await reporter.click("Алматы")  # the place's region, chosen; nothing is preselected
    await reporter.send_location(43.25, 76.95)
    await reporter.send("Near the school, under the bench")
    await reporter.send_photo()
    await reporter.click(tr("Done ➡️", KK))
    await reporter.click(tr("✅ Send", KK))
    card = await open_details(fake, owner, moderators_chat)

    await assert_nothing_identifies(fake, moderators_chat, running, caplog)
    # 5. The card is in the moderators' language, not the reporter's.
    assert tr("📍 A stash (закладка)", RU) in card
    assert tr("📍 A stash (закладка)", RU) in moderators_chat.messages[-1].text


async def test_nothing_links_a_tip_to_its_reporter_on_the_new_paths(
    fake: FakeTelegram,
    owner: FakeUser,
    moderators_chat: FakeGroup,
    running: RunningBot,
    tr: Tr,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A pasted advert, a post forwarded from the reporter's own account and from a channel,
    a photo, a question and its answer through the receipt."""
    caplog.set_level(logging.DEBUG)
    reporter = fake.user(
        user_id=REPORTER_ID,
        first_name=REPORTER_FIRST,
        last_name=REPORTER_LAST,
        username=REPORTER_USERNAME,
        language_code="ru",
    )
    await onboard(reporter, tr, RU, "🧑 Teenager", "Алматы", subscribe=False)
    await reporter.send("/report")
    await reporter.click(tr("📢 Telegram channel, bot or chat", RU))
    await reporter.send("https://t.me/some_shop?start=ref_718293645 продают закладки")
    await reporter.forward(user_origin(reporter.user), "мне писал @dealer_kz")
    # The first forward answered the description step; the second arrives with the photos.
    await reporter.forward(channel_origin(-100777, "Лёгкие деньги", "easy_money_kz", 5), "Работа")
    await reporter.send_photo()
    await reporter.click(tr("Done ➡️", RU))
    reply = await reporter.click(tr("✅ Send", RU))
    code = receipt_in(reply)
    await open_details(fake, owner, moderators_chat)
    await owner.click(tr("❓ Ask the reporter", RU))
    await owner.send("Какой адрес?", reply_to=owner.last_bot_message.message_id)
    await owner.click(tr("✅ Confirm", RU))
    reply = await reporter.send(f"/status {code}")
    await reporter.click(next(b for b in reply.buttons if "Какой адрес?" in b))
    await reporter.send_photo("Возле школы №12")
    await open_details(fake, owner, moderators_chat, 2)
    assert any("Возле школы" in m.text for m in owner.messages)
    await assert_nothing_identifies(fake, moderators_chat, running, caplog)
