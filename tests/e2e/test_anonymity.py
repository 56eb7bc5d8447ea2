"""Anonymity against a curious moderator, a member of the moderators' group, and someone
holding the database file and its backups (DESIGN.md): one test per way a tip could be
narrowed down to its reporter, each through the fake Bot API or the files on disk."""

from __future__ import annotations

import asyncio
import csv
import io
import stat
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from fake_telegram import FakeGroup, FakeTelegram, FakeUser, UploadedFile

from bot.app import Application
from bot.db.backup import backup
from bot.domain import Language, TipCategory
from tests.e2e.conftest import (
    MODERATOR_CHAT_ID,
    OWNER_ID,
    RunningBot,
    count_rows,
    make_settings,
    open_details,
)
from tests.e2e.test_onboarding import onboard
from tests.e2e.test_report import CATEGORY_LABELS, receipt_in
from tests.engines import run

pytestmark = pytest.mark.shared_state

Tr = Callable[[str, Language | str], str]
RU, KK = Language.RU, Language.KK


async def channel_tip(user: FakeUser, tr: Tr, language: Language, link: str = "@shop_x") -> str:
    await user.send("/report")
    await user.click(tr(CATEGORY_LABELS[TipCategory.CHANNEL], language))
    await user.send(link)
    await user.click(tr("Skip ➡️", language))
    await user.click(tr("Skip ➡️", language))
    return receipt_in(await user.click(tr("✅ Send", language)))


def files_of(running: RunningBot) -> list[Path]:
    path = running.app.settings.database_path
    return [p for p in (path, path.with_name(path.name + "-wal")) if p.exists()]


def on_disk(running: RunningBot) -> bytes:
    return b"".join(p.read_bytes() for p in files_of(running))


# 1. The reporter's home region is not copied onto a tip.


async def test_a_tip_carries_no_region_of_its_reporter(
    fake: FakeTelegram, owner: FakeUser, moderators_chat: FakeGroup, running: RunningBot, tr: Tr
) -> None:
    teen = fake.user(user_id=9101, language_code="kk")
    await onboard(teen, tr, KK, "🧑 Teenager", "Ұлытау облысы", subscribe=False)
    await teen.send("/report")
    await teen.click(tr(CATEGORY_LABELS[TipCategory.CHANNEL], KK))
    await teen.send("@ulytau_shop")
    await teen.click(tr("Skip ➡️", KK))
    review = (await teen.click(tr("Skip ➡️", KK))).text
    # The review shows every stored field, the region among them: not chosen.
    assert tr("Region: {region}", KK).format(region=tr("not chosen", KK)) in review
    receipt_in(await teen.click(tr("✅ Send", KK)))
    card = await open_details(fake, owner, moderators_chat)
    assert "Ұлытау" not in card and tr("region not given", RU) in card
    assert await count_rows(running, "SELECT COUNT(*) FROM tips WHERE region IS NOT NULL") == 0
    # A street tip asks for the place's region with nothing chosen for the reporter.
    await teen.send("/report")
    reply = await teen.click(tr(CATEGORY_LABELS[TipCategory.WALL_ADVERT], KK))
    assert reply.text == tr("Which region is it in?", KK)
    assert not [b for b in reply.buttons if b.startswith("✅")]


# 2. The card is posted after a random delay; stored times are coarse.


@pytest.mark.sqlite_only
async def test_the_card_waits_a_random_delay_and_survives_a_restart(
    fake: FakeTelegram, tmp_path: Path, moderators_chat: FakeGroup, tr: Tr
) -> None:
    slow = RunningBot(Application(make_settings(fake, tmp_path, tip_card_delay_seconds="600")))
    await slow.start(fake)
    user = fake.user(user_id=9102, language_code="ru")
    try:
        await channel_tip(user, tr, RU)
        await asyncio.sleep(0.5)
        assert moderators_chat.messages == []  # nothing at the moment the reporter acted
        pending = await count_rows(slow, "SELECT COUNT(*) FROM tips WHERE notice_pending")
        assert pending == 1
        # Not there for staff before its card, and out of the WAL at once: its pages do not
        # sit next to what the reporter's chat wrote just before.
        owner = fake.user(user_id=OWNER_ID, language_code="ru")
        reply = await owner.send("/tips")
        assert tr("Nothing here.", RU) in reply.text
        wal = slow.app.settings.database_path.with_name("bot.sqlite3-wal")
        assert not wal.exists() or wal.stat().st_size == 0
        created = await count_rows(
            slow, "SELECT COUNT(*) FROM tips WHERE created_at LIKE '%:00:00+00:00'"
        )
        assert created == 1  # to the hour, no finer
    finally:
        await slow.stop()  # the notice is still owed
    quick = RunningBot(Application(make_settings(fake, tmp_path, tip_card_delay_seconds="0.2-0.4")))
    await quick.start(fake)
    try:
        await fake.wait_for(lambda: bool(moderators_chat.messages), timeout=5)
        for _ in range(50):  # the flag is cleared right after Telegram took the card
            if not await count_rows(quick, "SELECT COUNT(*) FROM tips WHERE notice_pending"):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the posted notice is still marked as owed")
    finally:
        await quick.stop()


# 3. Photos reach moderators re-encoded, never by the reporter's file_id.


@pytest.mark.sqlite_only
async def test_the_reporters_photo_file_reaches_nobody(
    fake: FakeTelegram, owner: FakeUser, moderators_chat: FakeGroup, running: RunningBot, tr: Tr
) -> None:
    user = fake.user(user_id=9103, language_code="ru")
    await user.send("/report")
    await user.click(tr(CATEGORY_LABELS[TipCategory.CHANNEL], RU))
    await user.send("@photo_shop")
    await user.click(tr("Skip ➡️", RU))
    added = await user.send_photo()
    assert added.text
    photo = next(m for m in fake.store.chats[user.chat_id].messages.values() if "photo" in m.data)
    theirs = {size["file_id"] for size in photo.data["photo"]} | {
        size["file_unique_id"] for size in photo.data["photo"]
    }
    await user.click(tr("Done ➡️", RU))
    receipt_in(await user.click(tr("✅ Send", RU)))
    await open_details(fake, owner, moderators_chat)
    uploads = [c.params["photo"] for c in fake.calls_to("sendPhoto")]
    assert uploads and all(isinstance(u, UploadedFile) for u in uploads)
    # The bot downloads the photo once (getFile); nothing it sends anyone names that file.
    requests = [c for c in fake.calls if c.method not in {"getFile", "getUpdates"}]
    dumped = " ".join(repr(c.params) for c in requests)
    assert not [i for i in theirs if i in dumped]
    assert not [i for i in theirs if i.encode() in on_disk(running)]


# 4. The reporter's phone keeps the receipt, not the report.


async def test_the_form_leaves_the_reporters_chat_after_send(
    fake: FakeTelegram, moderators_chat: FakeGroup, running: RunningBot, tr: Tr
) -> None:
    user = fake.user(user_id=9104, language_code="kk")
    await user.send("/report")
    await user.click(tr(CATEGORY_LABELS[TipCategory.STASH], KK))
    await user.click("Алматы")
    await user.send_location(43.25, 76.95)
    await user.send("Мектептің артында, орындықтың астында")
    await user.send_photo()
    await user.click(tr("Done ➡️", KK))
    code = receipt_in(await user.click(tr("✅ Send", KK)))
    left = user.messages
    assert len(left) == 1 and code in left[0].text  # only the receipt stays
    suggestion = tr(
        "I've removed the report's messages from this chat. Telegram can also delete this "
        "chat's messages for you: tap my name, then ⋯ → Auto-delete.",
        KK,
    )
    assert suggestion in left[0].text  # and the auto-delete timer is suggested


# 6. Deleted means unreadable: pragmas, file modes, /forget, retention in every status.


@pytest.mark.sqlite_only
async def test_database_files_are_private_and_deletion_sticks(
    fake: FakeTelegram, running: RunningBot, tmp_path: Path, tr: Tr
) -> None:
    person = fake.user(user_id=718_293_645, language_code="ru")
    await onboard(person, tr, RU, "🧑 Teenager", "Астана", subscribe=True)
    await person.send("/quiz")
    for path in files_of(running):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert await count_rows(running, "PRAGMA secure_delete") == 1
    copy = tmp_path / "backups" / "copy.sqlite3"
    await asyncio.to_thread(backup, running.app.settings.database_path, copy)
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    # /forget: afterwards no page of the database or its WAL holds the id.
    await person.send("/forget")
    await person.click(tr("🗑 Yes, delete everything", RU))
    identity = (str(person.user_id).encode(), struct.pack(">i", person.user_id))
    leftovers = [i for i in identity if i in on_disk(running)]
    assert not leftovers
    quota, guesses = running.app.services.quota, running.app.services.receipt_guesses
    assert await quota.remaining(person.user_id) == quota.limit
    assert not await guesses.exhausted(person.user_id)


@pytest.mark.sqlite_only
async def test_retention_covers_every_status_and_every_follow_up(
    fake: FakeTelegram, owner: FakeUser, moderators_chat: FakeGroup, running: RunningBot, tr: Tr
) -> None:
    user = fake.user(user_id=9106, language_code="ru")
    secret = "Закладка под третьей скамейкой"
    await user.send("/report")
    await user.click(tr(CATEGORY_LABELS[TipCategory.CHANNEL], RU))
    await user.send("@retention_shop")
    await user.send(secret)
    await user.click(tr("Skip ➡️", RU))
    receipt_in(await user.click(tr("✅ Send", RU)))
    await open_details(fake, owner, moderators_chat)
    await owner.click(tr("❓ Ask the reporter", RU))
    await owner.send("Какая скамейка именно?", reply_to=owner.last_bot_message.message_id)
    await owner.click(tr("✅ Confirm", RU))
    tips = running.app.services.tips
    assert await tips.purge_unchanged(90) == 0  # fresh: nothing goes
    await run(running.app.db, "UPDATE tips SET changed_at = :old", old="2020-01-01T00:00:00+00:00")
    assert await tips.purge_unchanged(90) == 1  # still "new", unchanged for long: purged
    data = on_disk(running)
    assert secret.encode() not in data and "Какая скамейка".encode() not in data
    assert await count_rows(running, "SELECT COUNT(*) FROM tip_links") == 1  # counts stay
    wal = running.app.settings.database_path.with_name("bot.sqlite3-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # truncated after the purge


# 7. The shared moderators' chat sees what all its members may see.


async def test_the_shared_chat_shows_a_summary_and_details_go_to_staff_only(
    fake: FakeTelegram, owner: FakeUser, moderators_chat: FakeGroup, running: RunningBot, tr: Tr
) -> None:
    user = fake.user(user_id=9107, language_code="ru")
    await user.send("/report")
    await user.click(tr(CATEGORY_LABELS[TipCategory.STASH], RU))
    await user.click("Шымкент")
    await user.send_location(42.3, 69.6)
    await user.send("Закладка у гаражей")
    await user.send_photo()
    await user.click(tr("Done ➡️", RU))
    receipt_in(await user.click(tr("✅ Send", RU)))
    await fake.wait_for(lambda: bool(moderators_chat.messages), timeout=5)
    assert [m.kind for m in moderators_chat.messages] == ["message"]
    summary = moderators_chat.messages[-1]
    assert "Шымкент" in summary.text and "гаражей" not in summary.text
    assert "42.3" not in summary.text
    # A member of the group who is not staff presses Details: nothing reaches them.
    member = fake.user(user_id=9108, language_code="ru").in_group(moderators_chat)
    reply = await member.click_in(summary.message_id, tr("🔎 Details", RU))
    assert reply.callback_answer is not None and reply.callback_answer.show_alert
    assert fake.store.chats.get(9108) is None or not [
        m for m in fake.store.chats[9108].visible() if m.from_bot and "гаражей" in (m.text or "")
    ]
    # Staff get it in their private chat, with the photo and the exact location.
    card = await open_details(fake, owner, moderators_chat)
    assert "Закладка у гаражей" in card and "42.30000" in card
    # The queue and the export are not shown in the shared chat, neither from /admin.
    in_group = owner.in_group(moderators_chat)
    await in_group.send("/admin")
    reply = await in_group.click(tr("🗂 Tips queue", RU))
    assert reply.callback_answer is not None and reply.callback_answer.show_alert
    assert not [m for m in moderators_chat.messages if "гаражей" in m.text]
    reply = await owner.in_group(moderators_chat).send("/tips")
    assert "@" not in reply.text and "гаражей" not in reply.text
    assert reply.text == tr(
        "Everyone in this chat would see that. Send the command in your private chat with me.", RU
    )


async def test_cards_go_to_a_topic_per_region_in_a_forum(
    fake: FakeTelegram, running: RunningBot, tr: Tr
) -> None:
    forum = fake.group(chat_id=MODERATOR_CHAT_ID, title="Qorgan moderators", is_forum=True)
    for user_id, region in ((9109, "Астана"), (9110, "Алматы"), (9111, "Астана")):
        user = fake.user(user_id=user_id, language_code="ru")
        await user.send("/report")
        await user.click(tr(CATEGORY_LABELS[TipCategory.WALL_ADVERT], RU))
        await user.click(region)
        await user.send("Остановка у рынка")
        await user.click(tr("Skip ➡️", RU))
        await user.click(tr("Skip ➡️", RU))
        receipt_in(await user.click(tr("✅ Send", RU)))
    await fake.wait_for(lambda: len(forum.messages) >= 3, timeout=5)
    assert sorted(forum.topics.values()) == ["Алматы", "Астана"]
    threads = [m.data.get("message_thread_id") for m in forum.messages]
    assert threads[0] == threads[2] != threads[1] and None not in threads
    assert len(fake.calls_to("createForumTopic")) == 2


# 8. Invites never appear in a group, can be bound, revoked, and die with their owner.


async def test_invites_stay_private_bound_and_revocable(
    fake: FakeTelegram, owner: FakeUser, moderators_chat: FakeGroup, running: RunningBot, tr: Tr
) -> None:
    in_group = owner.in_group(moderators_chat)
    reply = await in_group.send("/admin")
    assert tr("➕ Invite a moderator", RU) in reply.buttons
    reply = await in_group.click(tr("➕ Invite a moderator", RU))
    assert reply.callback_answer is not None and reply.callback_answer.show_alert
    reply = await in_group.send("/invite moderator")
    assert "?start=inv_" not in reply.text
    assert not [m for m in moderators_chat.messages if "inv_" in m.text]

    reply = await owner.send("/invite volunteer astana 9112")
    link = next(w for w in reply.text.split() if "?start=inv_" in w)
    token = link.split("?start=", 1)[1]
    stranger = fake.user(user_id=9113, language_code="ru")
    reply = await stranger.send(f"/start {token}")
    assert tr("This invite link is not valid: it may have expired or been used already.", RU) in (
        reply.text
    )
    chosen = fake.user(user_id=9112, language_code="ru")
    reply = await chosen.send(f"/start {token}")
    welcome = tr("Welcome to the team! You are now: {who}. Send /admin to see what you can do.", RU)
    assert welcome.split("{who}")[0] in reply.text

    reply = await owner.send("/invite moderator")
    token = next(w for w in reply.text.split() if "?start=inv_" in w).split("?start=", 1)[1]
    await owner.send("/admin")
    reply = await owner.click(tr("👥 Team", RU))
    revoke = next(b for b in reply.buttons if b.startswith("🚫"))
    await owner.click(revoke)
    reply = await stranger.send(f"/start {token}")
    assert tr("This invite link is not valid: it may have expired or been used already.", RU) in (
        reply.text
    )
    assert await count_rows(running, "SELECT COUNT(*) FROM staff") == 1


async def test_an_invite_dies_with_its_owners_role(
    fake: FakeTelegram, tmp_path: Path, tr: Tr
) -> None:
    first = RunningBot(Application(make_settings(fake, tmp_path)))
    await first.start(fake)
    owner = fake.user(user_id=OWNER_ID, language_code="ru")
    try:
        reply = await owner.send("/invite moderator")
        token = next(w for w in reply.text.split() if "?start=inv_" in w).split("=", 1)[1]
    finally:
        await first.stop()
    # The owner left ADMIN_IDS; their open invite is void.
    later = RunningBot(Application(make_settings(fake, tmp_path, admin_ids=frozenset({1}))))
    await later.start(fake)
    try:
        joiner = fake.user(user_id=9114, language_code="ru")
        reply = await joiner.send(f"/start {token}")
        assert (
            tr("This invite link is not valid: it may have expired or been used already.", RU)
            in reply.text
        )
        assert await count_rows(later, "SELECT COUNT(*) FROM staff") == 0
    finally:
        await later.stop()


# 9. Four presses of Send at once store one tip.


async def test_four_presses_of_send_store_one_tip(
    fake: FakeTelegram, tmp_path: Path, moderators_chat: FakeGroup, tr: Tr
) -> None:
    bot = RunningBot(Application(make_settings(fake, tmp_path)), as_tasks=True)
    await bot.start(fake)
    try:
        user = fake.user(user_id=9115, language_code="ru")
        await user.send("/report")
        await user.click(tr(CATEGORY_LABELS[TipCategory.CHANNEL], RU))
        await user.send("@fast_thumb")
        await user.click(tr("Skip ➡️", RU))
        await user.click(tr("Skip ➡️", RU))
        await user.click_many(tr("✅ Send", RU), 4)
        assert await count_rows(bot, "SELECT COUNT(*) FROM tips") == 1
        quota = bot.app.services.quota
        assert await quota.remaining(user.user_id) == quota.limit - 1
        await fake.wait_for(lambda: bool(moderators_chat.messages), timeout=5)
        assert "🔁" not in moderators_chat.messages[-1].text  # no fake "reported 4 times"
    finally:
        await bot.stop()


# 10. The export is safe to open in a spreadsheet.


async def test_the_export_neutralises_formulas(
    fake: FakeTelegram, owner: FakeUser, moderators_chat: FakeGroup, running: RunningBot, tr: Tr
) -> None:
    user = fake.user(user_id=9116, language_code="ru")
    await channel_tip(user, tr, RU, "@formula_shop")
    await open_details(fake, owner, moderators_chat)
    for note in ('=HYPERLINK("http://evil.example","click")', "+7 777 000", "@SUM(A1)", "-1"):
        await owner.click(tr("📝 Note", RU))
        await owner.send(note, reply_to=owner.last_bot_message.message_id)
    await owner.send("/export")
    document = fake.calls_to("sendDocument")[-1].params["document"]
    assert isinstance(document, UploadedFile)
    rows = list(csv.DictReader(io.StringIO(document.data.decode("utf-8-sig"))))
    notes = rows[-1]["notes"]
    assert notes.startswith("'=HYPERLINK")
    for cell in rows[-1].values():
        assert not cell.startswith(("=", "+", "-", "@")), cell
