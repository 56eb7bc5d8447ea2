"""Reports that take what people really have: an advert pasted with its words, several links,
forwarded posts, a photo of a wall advert's QR code, links full of tracking parameters; and
the anonymous two-way follow-up through the receipt."""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
import qrcode
from fake_telegram import FakeGroup, FakeTelegram, FakeUser, UploadedFile
from fake_telegram.client import channel_origin, hidden_origin, user_origin
from PIL import Image, ImageDraw, ImageFilter

from bot.domain import Language, TipCategory
from bot.keyboards.callbacks import AnswerQuestion
from tests.e2e.conftest import RunningBot, count_rows, open_details
from tests.e2e.test_report import CATEGORY_LABELS, receipt_in

pytestmark = pytest.mark.shared_state

Tr = Callable[[str, Language | str], str]
RU, KK = Language.RU, Language.KK
ADVERT = "https://t.me/some_shop продают закладки возле школы №12"


async def start_channel_report(user: FakeUser, tr: Tr, language: Language) -> None:
    await user.send("/report")
    await user.click(tr(CATEGORY_LABELS[TipCategory.CHANNEL], language))


async def finish(user: FakeUser, tr: Tr, language: Language) -> str:
    """From the step after the place to the receipt: keep the description, no photos."""
    reply = user.last_bot_message
    if tr("Keep ➡️", language) in [b for row in reply.buttons for b in row]:
        await user.click(tr("Keep ➡️", language))
    else:
        await user.click(tr("Skip ➡️", language))
    await user.click(tr("Skip ➡️", language))
    return receipt_in(await user.click(tr("✅ Send", language)))


@pytest.mark.parametrize("language", [RU, KK])
async def test_an_advert_pasted_with_its_words(
    fake: FakeTelegram,
    owner: FakeUser,
    moderators_chat: FakeGroup,
    running: RunningBot,
    tr: Tr,
    language: Language,
) -> None:
    user = fake.user(user_id=8101, language_code=language.value)
    await start_channel_report(user, tr, language)
    reply = await user.send(ADVERT)
    no_link = tr(
        "I found no link or @username in this. Send the link, forward a post from the "
        "channel, or a photo of its QR code.",
        language,
    )
    assert no_link not in reply.text
    assert reply.text.startswith("🔗") and "1" in reply.text.splitlines()[0]
    assert "продают закладки возле школы №12" in reply.text  # offered as the description
    reply = await user.click(tr("Keep ➡️", language))
    await user.click(tr("Skip ➡️", language))  # no photos
    review = user.last_bot_message.text
    assert "t.me/some_shop" in review
    assert tr("Description: {text}", language).format(text=ADVERT.split(" ", 1)[1]) in review
    receipt_in(await user.click(tr("✅ Send", language)))
    card = await open_details(fake, owner, moderators_chat)
    assert "t.me/some_shop" in card and "возле школы №12" in card


async def test_a_hyperlinked_word_and_a_typed_address_keep_their_words(
    fake: FakeTelegram, owner: FakeUser, moderators_chat: FakeGroup, running: RunningBot, tr: Tr
) -> None:
    user = fake.user(user_id=8102, language_code="ru")
    await start_channel_report(user, tr, RU)
    text = "Пишут в личку: работа курьером"
    link = {
        "type": "text_link",
        "offset": 15,
        "length": 14,
        "url": "https://t.me/JobBot?start=ref_8102",
    }
    reply = await user.send_with_entities(text, [link])
    assert reply.text.startswith("🔗")
    await finish(user, tr, RU)
    card = await open_details(fake, owner, moderators_chat)
    assert "t.me/jobbot" in card
    assert "ref_8102" not in card  # a shop bot's referral code can name whoever shared it
    assert "Пишут в личку: работа курьером" in card  # the linked words stay as words


async def test_two_links_group_with_tips_about_either(
    fake: FakeTelegram, owner: FakeUser, moderators_chat: FakeGroup, running: RunningBot, tr: Tr
) -> None:
    first = fake.user(user_id=8103, language_code="ru")
    await start_channel_report(first, tr, RU)
    reply = await first.send("Вот два канала: @shop_one и https://t.me/shop_two/15 — оба продают")
    assert reply.text.startswith("🔗") and "2" in reply.text.splitlines()[0]
    await finish(first, tr, RU)
    card = await open_details(fake, owner, moderators_chat)
    assert "t.me/shop_one" in card and "t.me/shop_two/15" in card

    second = fake.user(user_id=8104, language_code="kk")
    await start_channel_report(second, tr, KK)
    await second.send("t.me/SHOP_TWO")
    await finish(second, tr, KK)
    grouped = tr("🔁 Reported {count} times: first {first}, last {last}", RU)
    # Cards show dates in the bot's time zone (TIMEZONE), where the day may differ from UTC's.
    today = dt.datetime.now(ZoneInfo("Asia/Almaty")).date().isoformat()
    card = await open_details(fake, owner, moderators_chat, 2)
    # Grouped with the first tip through one of its two links.
    assert grouped.format(count=2, first=today, last=today) in card
    third = fake.user(user_id=8105, language_code="ru")
    await start_channel_report(third, tr, RU)
    await third.send("@shop_one")
    await finish(third, tr, RU)
    card = await open_details(fake, owner, moderators_chat, 3)
    assert grouped.format(count=2, first=today, last=today) in card  # the first and the third
    assert await count_rows(running, "SELECT COUNT(DISTINCT place_key) FROM tip_links") == 2


async def test_a_forwarded_channel_post(
    fake: FakeTelegram, owner: FakeUser, moderators_chat: FakeGroup, running: RunningBot, tr: Tr
) -> None:
    user = fake.user(user_id=8106, language_code="ru")
    await start_channel_report(user, tr, RU)
    origin = channel_origin(-1001234567, "Быстрые деньги", username="EasyCash_KZ", message_id=77)
    reply = await user.forward(origin, "Нужны курьеры, 50 000 в день. Пиши @easy_manager")
    assert tr("↪️ Where the post came from was added.", RU) in reply.text
    await finish(user, tr, RU)
    card = await open_details(fake, owner, moderators_chat)
    assert "t.me/easycash_kz/77" in card
    assert "t.me/easy_manager" in card
    assert "Нужны курьеры, 50 000 в день." in card
    assert fake.calls_to("forwardMessage") == []


async def test_a_forwarded_private_channel_and_a_hidden_sender(
    fake: FakeTelegram, owner: FakeUser, moderators_chat: FakeGroup, running: RunningBot, tr: Tr
) -> None:
    user = fake.user(user_id=8107, language_code="kk")
    await start_channel_report(user, tr, KK)
    await user.forward(channel_origin(-1009876543, "Жабық дүкен"), "Жұмыс бар, тез ақша")
    await user.click(tr("Keep ➡️", KK))
    reply = await user.forward(hidden_origin("Марат"), "Кел, түсіндіремін")
    await user.click(tr("Skip ➡️", KK))
    review = user.last_bot_message.text
    assert "Жабық дүкен" in review and "-1009876543" in review
    assert tr("a hidden sender", KK) in review
    assert "Марат" not in review  # a hidden sender's display name is not kept
    # Where a post came from can point to its reporter (a class chat): the review says so.
    assert tr("Nothing here says who you are.", KK) not in review
    assert "⚠️" in review
    assert reply.text
    receipt_in(await user.click(tr("✅ Send", KK)))
    card = await open_details(fake, owner, moderators_chat)
    assert "Жабық дүкен" in card and tr("a hidden sender", RU) in card
    assert await count_rows(running, "SELECT COUNT(*) FROM tip_origins") == 2


async def test_a_post_the_reporter_forwards_from_themself_keeps_no_origin(
    fake: FakeTelegram, owner: FakeUser, moderators_chat: FakeGroup, running: RunningBot, tr: Tr
) -> None:
    user = fake.user(user_id=8108, language_code="ru", first_name="Аружан", username="aruzhan_k")
    await start_channel_report(user, tr, RU)
    await user.forward(user_origin(user.user), "@dealer_kz предлагал мне работу")
    await finish(user, tr, RU)
    card = await open_details(fake, owner, moderators_chat)
    assert "t.me/dealer_kz" in card
    assert "aruzhan" not in card.lower() and "8108" not in card and "Аружан" not in card
    assert await count_rows(running, "SELECT COUNT(*) FROM tip_origins") == 0


def wall_photo(url: str) -> bytes:
    """A JPEG as a phone takes it: a 1600x1200 wall with a poster and its QR code, slightly
    blurred, at a phone's compression."""
    rng = random.Random(7)
    wall = Image.new("RGB", (1600, 1200), (176, 164, 150))
    draw = ImageDraw.Draw(wall)
    for _ in range(3000):  # plaster texture
        x, y = rng.randrange(1600), rng.randrange(1200)
        shade = rng.randrange(140, 200)
        draw.point((x, y), fill=(shade, shade - 10, shade - 20))
    draw.rectangle((520, 220, 1080, 980), fill=(245, 245, 235))
    draw.text((560, 250), "РАБОТА! 300 000 тг", fill=(200, 20, 20))
    code = qrcode.make(url, box_size=10, border=2).get_image().convert("RGB")
    wall.paste(code.resize((420, 420)), (590, 420))
    wall = wall.rotate(4, expand=False, fillcolor=(176, 164, 150)).filter(
        ImageFilter.GaussianBlur(1.2)
    )
    out = io.BytesIO()
    wall.save(out, "JPEG", quality=72)
    return out.getvalue()


@pytest.mark.parametrize("language", [RU, KK])
async def test_a_wall_adverts_qr_code_becomes_a_link(
    fake: FakeTelegram,
    owner: FakeUser,
    moderators_chat: FakeGroup,
    running: RunningBot,
    tr: Tr,
    language: Language,
) -> None:
    user = fake.user(user_id=8109, language_code=language.value)
    await user.send("/report")
    await user.click(tr(CATEGORY_LABELS[TipCategory.WALL_ADVERT], language))
    await user.click("Шымкент")
    photo = wall_photo("https://t.me/Wall_Shop?start=ref_998877&utm_source=qr")
    reply = await user.send_photo(data=photo)
    assert "🔳" in reply.text  # a link was read from the QR code
    assert tr("📷 Photo {count} of {limit} added.", language).format(count=1, limit=3) in reply.text
    await user.send("Шымкент, Тауке хан 40, остановка")
    await user.click(tr("Skip ➡️", language))  # no description
    await user.click(tr("Done ➡️", language))  # the photo is in already
    review = user.last_bot_message.text
    assert "t.me/wall_shop" in review and tr("(from a QR code)", language) in review
    receipt_in(await user.click(tr("✅ Send", language)))
    card = await open_details(fake, owner, moderators_chat)
    assert "t.me/wall_shop" in card
    for leaked in ("ref_998877", "utm_source"):
        assert leaked not in card
    # The photo reached moderators uploaded anew, not by the reporter's file_id.
    upload = fake.calls_to("sendPhoto")[-1].params["photo"]
    assert isinstance(upload, UploadedFile)
    assert upload.data != photo and upload.data[:2] == b"\xff\xd8"


async def test_a_photo_without_a_code_is_just_a_photo(
    fake: FakeTelegram, owner: FakeUser, moderators_chat: FakeGroup, running: RunningBot, tr: Tr
) -> None:
    user = fake.user(user_id=8110, language_code="ru")
    await start_channel_report(user, tr, RU)
    reply = await user.send_photo()
    assert tr("📷 Photo {count} of {limit} added.", RU).format(count=1, limit=3) in reply.text
    assert (
        tr(
            "I found no link or @username in this. Send the link, forward a post from the channel, "
            "or a photo of its QR code.",
            RU,
        )
        in reply.text
    )


TRACKED = (
    "https://www.instagram.com/p/C9xYz/?igsh=MzRlODBiNWFlZA==&utm_source=ig_web "
    "https://vm.tiktok.com/ZMabc123/?_t=8pXyZ&_r=1&is_from_webapp=1&sender_device=pc "
    "https://x.com/shop_kz/status/1812?s=20&t=AbCdEf "
    "https://www.facebook.com/profile.php?id=1000123&mibextid=ZbWKwL&fbclid=IwAR0xyz "
    "https://youtu.be/dQw4w9WgXcQ?si=Tr4ck1ng"
)
TRACKERS = ("igsh", "MzRlODBi", "utm_", "_t=", "_r=", "is_from_webapp", "sender_device", "s=20",
            "AbCdEf", "mibextid", "fbclid", "IwAR0xyz", "si=", "Tr4ck1ng")  # fmt: skip


async def test_tracking_parameters_are_never_stored(
    fake: FakeTelegram,
    owner: FakeUser,
    moderators_chat: FakeGroup,
    running: RunningBot,
    tr: Tr,
) -> None:
    user = fake.user(user_id=8111, language_code="ru")
    await user.send("/report")
    await user.click(tr(CATEGORY_LABELS[TipCategory.WEBSITE], RU))
    reply = await user.send(TRACKED)
    assert reply.text.startswith("🔗") and "5" in reply.text.splitlines()[0]
    await finish(user, tr, RU)
    card = await open_details(fake, owner, moderators_chat)
    for kept in ("instagram.com/p/C9xYz", "vm.tiktok.com/ZMabc123", "x.com/shop_kz/status/1812",
                 "facebook.com/profile.php?id=1000123", "youtu.be/dQw4w9WgXcQ"):  # fmt: skip
        assert kept in card
    path = running.app.settings.database_path
    stored = b"".join(
        p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists()
    )
    await owner.send("/export")
    document = fake.calls_to("sendDocument")[-1].params["document"]
    assert isinstance(document, UploadedFile)
    exported = document.data.decode("utf-8-sig")
    assert "instagram.com/p/C9xYz" in exported
    for tracker in TRACKERS:
        assert tracker not in card, tracker
        assert tracker.encode() not in stored, tracker
        assert tracker not in exported, tracker


async def test_a_5000_character_link_stays_within_telegrams_limits(
    fake: FakeTelegram, owner: FakeUser, moderators_chat: FakeGroup, running: RunningBot, tr: Tr
) -> None:
    user = fake.user(user_id=8112, language_code="ru")
    await user.send("/report")
    await user.click(tr(CATEGORY_LABELS[TipCategory.WEBSITE], RU))
    long_link = "https://shop.example.kz/" + "a1b2c3d4e5" * 500
    await user.send(long_link)
    await user.send("Описание " * 160)  # a long description beside it
    await user.click(tr("Skip ➡️", RU))
    receipt_in(await user.click(tr("✅ Send", RU)))
    card = await open_details(fake, owner, moderators_chat)
    assert "shop.example.kz/a1b2c3d4e5" in card and len(card) <= 4096
    rows = await count_rows(running, "SELECT MAX(LENGTH(url)) FROM tip_links")
    assert rows <= 200
    reply = await owner.send("/tips")
    reply = await owner.click(next(b for b in reply.buttons if b.startswith("🆕")))
    assert "shop.example.kz" in reply.text  # the card opens, so the tip can be moderated


async def test_at_most_five_links_and_the_rest_is_said(
    fake: FakeTelegram, owner: FakeUser, moderators_chat: FakeGroup, running: RunningBot, tr: Tr
) -> None:
    user = fake.user(user_id=8113, language_code="kk")
    await start_channel_report(user, tr, KK)
    reply = await user.send(" ".join(f"@shop_number_{n}" for n in range(7)))
    assert (
        tr("A report holds at most {limit} links; the rest were left out.", KK).format(limit=5)
        in reply.text
    )
    await finish(user, tr, KK)
    await open_details(fake, owner, moderators_chat)
    assert await count_rows(running, "SELECT COUNT(*) FROM tip_links") == 5


async def test_the_reporter_takes_a_link_out_before_sending(
    fake: FakeTelegram, owner: FakeUser, moderators_chat: FakeGroup, running: RunningBot, tr: Tr
) -> None:
    user = fake.user(user_id=8114, language_code="ru")
    await start_channel_report(user, tr, RU)
    await user.send("@real_shop и мой @my_own_account")
    await user.click(tr("Keep ➡️", RU))  # the words "и мой" as the description
    await user.click(tr("Skip ➡️", RU))
    await user.click(tr("✏️ Edit", RU))
    await user.click(tr("🗑 Take something out", RU))
    reply = await user.click("✖ t.me/my_own_account")
    assert "t.me/my_own_account" not in " ".join(reply.buttons)
    reply = await user.click(tr("⬅️ Back to the report", RU))
    assert "t.me/my_own_account" not in reply.text and "t.me/real_shop" in reply.text
    await user.click(tr("✏️ Edit", RU))
    await user.click(tr("🗑 Take something out", RU))
    await user.click(tr("📝 The description", RU))
    reply = await user.click(tr("⬅️ Back to the report", RU))
    assert "и мой" not in reply.text
    receipt_in(await user.click(tr("✅ Send", RU)))
    assert "my_own_account" not in await open_details(fake, owner, moderators_chat)


# -- the anonymous two-way follow-up -------------------------------------------------------


async def ask(
    fake: FakeTelegram,
    owner: FakeUser,
    chat: FakeGroup,
    text: str,
    tr: Tr,
    *,
    confirm: bool = True,
) -> str:
    """A moderator opens the newest tip in their private chat and asks its reporter a
    question; returns the preview."""
    await open_details(fake, owner, chat)
    await owner.click(tr("❓ Ask the reporter", RU))
    reply = await owner.send(text, reply_to=owner.last_bot_message.message_id)
    if confirm:
        await owner.click(tr("✅ Confirm", RU))
    return reply.text


@pytest.mark.parametrize("language", [RU, KK])
async def test_a_question_is_asked_seen_and_answered_through_the_receipt(
    fake: FakeTelegram,
    owner: FakeUser,
    moderators_chat: FakeGroup,
    running: RunningBot,
    tr: Tr,
    language: Language,
) -> None:
    user = fake.user(user_id=8115, language_code=language.value)
    await start_channel_report(user, tr, language)
    await user.send("@stash_shop")
    code = await finish(user, tr, language)
    assert (
        tr(
            "Moderators may ask you a question about it. Only /status shows their questions: "
            "I never write to you first about a report.",
            language,
        )
        in user.last_bot_message.text
    )
    before = len(user.messages)
    preview = await ask(fake, owner, moderators_chat, "Какой подъезд?", tr)
    assert "Какой подъезд?" in preview
    assert len(user.messages) == before  # the bot never writes to the reporter first

    reply = await user.send(f"/status {code}")
    assert "Какой подъезд?" in reply.text
    question_buttons = [b for b in reply.buttons if "Какой подъезд?" in b]
    assert question_buttons
    await user.click(question_buttons[0])
    photo = wall_photo("https://t.me/stash_shop")
    reply = await user.send_photo("Второй подъезд, за гаражами", data=photo)
    assert (
        tr(
            "Thank you! Your answer was added to the report. See it with /status and your code.",
            language,
        )
        in reply.text
    )
    # The shared chat hears of the answer like of a new tip: a summary without its words.
    await fake.wait_for(lambda: len(moderators_chat.messages) >= 2, timeout=5)
    assert "Второй подъезд" not in moderators_chat.messages[-1].text
    await open_details(fake, owner, moderators_chat, 2)
    notice = next(m for m in owner.messages if "Второй подъезд" in m.text)
    assert "Какой подъезд?" in notice.text
    assert owner.messages[-1].kind == "photo"  # the answer's photo, re-encoded
    assert isinstance(fake.calls_to("sendPhoto")[-1].params["photo"], UploadedFile)

    reply = await user.send(f"/status {code}")
    history = reply.text
    assert history.index("Какой подъезд?") < history.index("Второй подъезд")
    assert not [b for b in reply.buttons if "Какой подъезд?" in b]  # answered: no button


async def test_an_answer_is_words_and_is_given_once(
    fake: FakeTelegram,
    owner: FakeUser,
    moderators_chat: FakeGroup,
    running: RunningBot,
    tr: Tr,
) -> None:
    user = fake.user(user_id=8117, language_code="ru")
    reply = await user.send("/status")  # the code forgotten: how to use the command
    assert reply.text == tr(
        "Send /status and your receipt code, for example: /status ABCD-EFGH-JKMN-PQRS", RU
    )
    await start_channel_report(user, tr, RU)
    await user.send("@once_shop")
    code = await finish(user, tr, RU)
    await ask(fake, owner, moderators_chat, "Где именно?", tr)
    earlier = (await user.send(f"/status {code}")).last
    status = await user.send(f"/status {code}")
    button = next(b for b in status.buttons if "Где именно?" in b)
    await user.click(button)
    reply = await user.send_sticker()  # no words: asked for them, nothing is added
    assert reply.text == tr("Please write the answer in words; a photo may come with it.", RU)
    reply = await user.send("У школы №5")
    assert tr("Thank you!", RU).rstrip("!") in reply.text
    # The same button under an earlier /status: answered already, nothing asked again.
    again = await user.click_in(earlier.message_id or 0, button)
    assert again.callback_answer is not None
    assert again.callback_answer.text == tr("This question is already answered.", RU)
    history = (await user.send(f"/status {code}")).text
    assert history.count("У школы №5") == 1
    # The moderators read the whole thread under 📜 History, in the order it happened.
    await fake.wait_for(lambda: len(moderators_chat.messages) >= 2, timeout=5)
    await open_details(fake, owner, moderators_chat, 2)
    label = tr("📜 History", RU)
    card = next(m for m in reversed(owner.messages) if any(label in row for row in m.buttons))
    thread = (await owner.click_in(card.message_id or 0, label)).text
    assert thread.index("Где именно?") < thread.index("У школы №5")


async def test_a_reply_is_previewed_and_must_answer_the_prompt(
    fake: FakeTelegram, owner: FakeUser, moderators_chat: FakeGroup, running: RunningBot, tr: Tr
) -> None:
    user = fake.user(user_id=8116, language_code="ru")
    await start_channel_report(user, tr, RU)
    await user.send("@preview_shop")
    code = await finish(user, tr, RU)
    await open_details(fake, owner, moderators_chat)
    moderator = owner
    await moderator.click(tr("💬 Reply to reporter", RU))
    prompt = moderator.last_bot_message
    # A message that does not answer the prompt is not taken for the reply.
    reply = await moderator.send("коллеги, кто возьмёт?")
    assert (
        tr(
            "Please write it as a reply to my prompt (swipe it, or choose Reply), or send /cancel.",
            RU,
        )
        == reply.text
    )
    # A link or an @username is refused: opening it could tell its owner who the reporter is.
    reply = await moderator.send("Напишите @helper_bot", reply_to=prompt.message_id)
    assert (
        tr(
            "A reply or question can't hold a link or an @username: opening it could tell its "
            "owner who the reporter is. Write it again without them.",
            RU,
        )
        in reply.text
    )
    assert "Напишите @helper_bot" not in (await user.send(f"/status {code}")).text
    prompt = moderator.last_bot_message  # asked again
    reply = await moderator.send("Спасибо, передадим", reply_to=prompt.message_id)
    assert "Спасибо, передадим" in reply.text  # the preview
    await moderator.click(tr("✏️ Edit", RU))
    prompt = moderator.last_bot_message
    reply = await moderator.send("Спасибо, передали дальше.", reply_to=prompt.message_id)
    assert "Спасибо, передали дальше." in reply.text
    reply = await moderator.click(tr("✅ Confirm", RU))
    assert "#" in reply.text
    status = (await user.send(f"/status {code}")).text
    assert "Спасибо, передали дальше." in status and "helper_bot" not in status
    # A stale Confirm under the old preview saves nothing twice.
    assert await count_rows(running, "SELECT COUNT(*) FROM tip_events WHERE kind = 'reply'") == 1
    # Cancel leaves nothing behind.
    await ask(fake, owner, moderators_chat, "Ещё вопрос?", tr, confirm=False)
    await moderator.click(tr("❌ Cancel", RU))
    assert await count_rows(running, "SELECT COUNT(*) FROM tip_events WHERE kind = 'question'") == 0


async def test_answers_need_the_receipt_and_guessing_stays_limited(
    fake: FakeTelegram, owner: FakeUser, moderators_chat: FakeGroup, running: RunningBot, tr: Tr
) -> None:
    reporter = fake.user(user_id=8117, language_code="ru")
    await start_channel_report(reporter, tr, RU)
    await reporter.send("@guarded_shop")
    code = await finish(reporter, tr, RU)
    await ask(fake, owner, moderators_chat, "Где именно?", tr)
    question_id = await count_rows(running, "SELECT MAX(id) FROM tip_events")

    # Another chat presses a forged answer button without the receipt: refused.
    stranger = fake.user(user_id=8118, language_code="ru")
    menu = (await stranger.send("/help")).last
    assert menu.message_id is not None
    forged = AnswerQuestion(question=question_id).pack()
    reply = await stranger.click_data(menu.message_id, forged)
    assert reply.callback_answer is not None
    assert reply.callback_answer.text == tr(
        "To answer, send /status and your receipt code again.", RU
    )
    # Guessing codes to reach a question stops after five wrong ones.
    for _ in range(5):
        await stranger.send("/status AAAA-BBBB-CCCC-DDDD")
    reply = await stranger.send(f"/status {code}")
    assert reply.text == tr("Too many tries. Please wait an hour and try again.", RU)
    assert await count_rows(running, "SELECT COUNT(*) FROM tip_events WHERE kind = 'answer'") == 0


async def test_emoji_alone_is_not_a_description(
    fake: FakeTelegram, running: RunningBot, tr: Tr
) -> None:
    user = fake.user(user_id=8119, language_code="ru")
    await user.send("/report")
    await user.click(tr(CATEGORY_LABELS[TipCategory.OTHER], RU))
    await user.click(tr("Skip ➡️", RU))  # no link: words are required now
    reply = await user.send("😡😡👎!!!")
    assert (
        tr("Please say it in words: emoji alone don't tell the moderators what you saw.", RU)
        in reply.text
    )
    assert tr("Skip ➡️", RU) not in reply.buttons  # still required
    reply = await user.send("Продают вейпы детям у школы 😡")
    photos = tr(
        "You can add up to 3 photos. Send them as photos, not as files. "
        "Don't go close to take them.",
        RU,
    )
    assert photos in reply.text  # words: the form goes on


async def test_an_answer_button_of_another_report_asks_for_its_code(
    fake: FakeTelegram, owner: FakeUser, moderators_chat: FakeGroup, running: RunningBot, tr: Tr
) -> None:
    user = fake.user(user_id=8120, language_code="kk")
    await start_channel_report(user, tr, KK)
    await user.send("@first_shop")
    first = await finish(user, tr, KK)
    await ask(fake, owner, moderators_chat, "Арна әлі жұмыс істей ме?", tr)
    await start_channel_report(user, tr, KK)
    await user.send("@second_shop")
    second = await finish(user, tr, KK)
    status = await user.send(f"/status {first}")
    answer_button = next(b for b in status.buttons if "Арна әлі" in b)
    await user.send(f"/status {second}")  # now the other report's receipt was shown last
    reply = await user.click(answer_button)
    assert reply.callback_answer is not None
    assert reply.callback_answer.text == tr(
        "To answer, send /status and your receipt code again.", KK
    )
