"""The fake through a real aiogram Bot: methods, Telegram's errors and limits, faults."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaDocument,
    InputMediaPhoto,
    InputPollOption,
    Message,
)
from fake_telegram import FakeTelegram

from tests.fake_telegram.conftest import TOKEN, close_session

KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="Yes", callback_data="yes")]]
)


async def test_get_me(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.username == "qorgan_test_bot"
    assert me.id == bot.id


async def test_user_sees_a_sent_message(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.user(first_name="Aigerim", language_code="kk")
    sent = await bot.send_message(user.id, "Сәлем, <b>Айгерім</b>!", parse_mode="HTML")
    assert sent.text == "Сәлем, Айгерім!"
    assert sent.chat.type == "private"
    assert sent.from_user is not None
    assert sent.from_user.id == bot.id
    assert sent.entities is not None
    assert (sent.entities[0].type, sent.entities[0].offset, sent.entities[0].length) == (
        "bold",
        7,
        7,
    )
    seen = user.last_message
    assert seen.from_bot
    assert seen.text == "Сәлем, Айгерім!"
    assert seen.html == "Сәлем, <b>Айгерім</b>!"
    assert fake.sent_to(user.id)[0].params["parse_mode"] == "HTML"
    assert fake.violations == []


async def test_message_ids_grow_per_chat(fake: FakeTelegram, bot: Bot) -> None:
    first, second = fake.user(), fake.user()
    ids = [(await bot.send_message(u.id, "x")).message_id for u in (first, second, first)]
    assert ids == [1, 1, 2]


async def test_malformed_html_is_rejected(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.user()
    with pytest.raises(TelegramBadRequest, match="can't parse entities: Unsupported start tag"):
        await bot.send_message(user.id, "Your name: <script>", parse_mode="HTML")
    assert user.messages == []


async def test_text_limits(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.user()
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(user.id, "я" * 4097)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(user.id, "<b> </b>", parse_mode="HTML")
    await bot.send_message(user.id, "я" * 4096)
    photo = BufferedInputFile(b"\xff\xd8\xff", "p.jpg")
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_photo(user.id, photo, caption="x" * 1025)


async def test_chat_not_found_and_unstarted_user(fake: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(555, "x")
    shy = fake.user(started=False)
    with pytest.raises(TelegramForbiddenError, match="bot can't initiate conversation"):
        await bot.send_message(shy.id, "x")


async def test_edits_apply_in_place(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.user()
    sent = await bot.send_message(user.id, "Question?", reply_markup=KEYBOARD)
    assert user.last_message.buttons == [["Yes"]]
    edited = await bot.edit_message_text(
        chat_id=user.id, message_id=sent.message_id, text="<i>Answered</i>", parse_mode="HTML"
    )
    assert isinstance(edited, Message)
    assert edited.edit_date is not None
    assert [m.text for m in user.messages] == ["Answered"]
    assert user.last_message.buttons == []  # an edit without reply_markup removes it
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            chat_id=user.id, message_id=sent.message_id, text="<i>Answered</i>", parse_mode="HTML"
        )
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(chat_id=user.id, message_id=99, text="x")
    await bot.edit_message_reply_markup(
        chat_id=user.id, message_id=sent.message_id, reply_markup=KEYBOARD
    )
    assert user.last_message.callback_data == {"Yes": "yes"}
    assert [a.kind for a in fake.actions] == ["message", "edit", "edit"]


async def test_caption_edit_and_delete(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.user()
    text = await bot.send_message(user.id, "text")
    with pytest.raises(TelegramBadRequest, match="there is no caption"):
        await bot.edit_message_caption(chat_id=user.id, message_id=text.message_id, caption="c")
    photo = await bot.send_photo(user.id, BufferedInputFile(b"jpeg", "a.jpg"), caption="old")
    await bot.edit_message_caption(chat_id=user.id, message_id=photo.message_id, caption="new")
    assert user.last_message.text == "new"
    assert await bot.delete_message(user.id, text.message_id)
    assert [m.message_id for m in user.messages] == [photo.message_id]
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(user.id, text.message_id)


async def test_photo_upload_get_file_and_download(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.user()
    sent = await bot.send_photo(user.id, BufferedInputFile(b"\xff\xd8picture", "cat.jpg"))
    assert sent.photo is not None
    assert len(sent.photo) >= 2
    assert len({size.file_id for size in sent.photo}) == len(sent.photo)
    file = await bot.get_file(sent.photo[-1].file_id)
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None
    assert downloaded.read() == b"\xff\xd8picture"
    again = await bot.send_photo(user.id, sent.photo[-1].file_id)
    assert again.photo is not None
    assert again.photo[-1].file_unique_id == sent.photo[-1].file_unique_id
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_photo(user.id, "no-such-file-id")
    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await bot.get_file("no-such-file-id")


async def test_every_photo_size_is_downloadable(fake: FakeTelegram, bot: Bot) -> None:
    sizes = fake.store.add_photo(b"jpeg-bytes", 640, 480)
    file = await bot.get_file(sizes[0]["file_id"])
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None
    assert downloaded.read() == b"jpeg-bytes"


async def test_document(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.user()
    sent = await bot.send_document(
        user.id,
        BufferedInputFile(b"a,b\n1,2\n", "report.csv"),
        caption="<b>Report</b>",
        parse_mode="HTML",
    )
    assert sent.document is not None
    assert sent.document.file_name == "report.csv"
    assert sent.document.mime_type == "text/csv"
    assert sent.caption == "Report"
    assert user.last_message.kind == "document"


async def test_copy_and_forward(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.user(first_name="Dana")
    group = fake.group(title="Admins")
    original = await bot.send_message(user.id, "<b>hello</b>", parse_mode="HTML")
    copied = await bot.copy_message(group.chat_id, user.id, original.message_id)
    assert group.last_message.message_id == copied.message_id
    assert group.last_message.text == "hello"
    assert "forward_origin" not in group.last_message.data
    forwarded = await bot.forward_message(group.chat_id, user.id, original.message_id)
    assert forwarded.forward_origin is not None
    assert forwarded.forward_origin.type == "user"
    assert [c.method for c in fake.calls_to("forwardMessage")] == ["forwardMessage"]
    with pytest.raises(TelegramBadRequest, match="message to copy not found"):
        await bot.copy_message(group.chat_id, user.id, 77)


async def test_quiz_poll(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.user()
    sent = await bot.send_poll(
        user.id,
        "Which is safe?",
        [InputPollOption(text="A"), InputPollOption(text="B")],
        type="quiz",
        correct_option_id=1,
        explanation="<b>B</b> is safe",
        explanation_parse_mode="HTML",
        is_anonymous=False,
    )
    assert sent.poll is not None
    assert sent.poll.type == "quiz"
    assert sent.poll.correct_option_ids == [1]
    assert sent.poll.explanation == "B is safe"
    assert [o.text for o in sent.poll.options] == ["A", "B"]
    stopped = await bot.stop_poll(user.id, sent.message_id)
    assert stopped.is_closed
    with pytest.raises(TelegramBadRequest, match="poll has already been closed"):
        await bot.stop_poll(user.id, sent.message_id)
    assert fake.violations == []


async def test_poll_limits(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.user()
    with pytest.raises(TelegramBadRequest, match="poll question length"):
        await bot.send_poll(user.id, "q" * 301, ["a", "b"])
    with pytest.raises(TelegramBadRequest, match="poll options length"):
        await bot.send_poll(user.id, "q", ["a" * 101, "b"])
    with pytest.raises(TelegramBadRequest, match="explanation length"):
        await bot.send_poll(
            user.id, "q", ["a", "b"], type="quiz", correct_option_id=0, explanation="e" * 201
        )


async def test_location_and_chat_action(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.user()
    sent = await bot.send_location(user.id, 43.25, 76.95)
    assert sent.location is not None
    assert sent.location.latitude == 43.25
    assert await bot.send_chat_action(user.id, "typing")
    assert user.last_message.kind == "location"


async def test_commands_and_descriptions(bot: Bot) -> None:
    scope = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands(
        [BotCommand(command="start", description="Бастау")], scope=scope, language_code="kk"
    )
    assert [c.command for c in await bot.get_my_commands(scope=scope, language_code="kk")] == [
        "start"
    ]
    assert await bot.get_my_commands() == []
    await bot.delete_my_commands(scope=scope, language_code="kk")
    assert await bot.get_my_commands(scope=scope, language_code="kk") == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Start", description="x")])
    await bot.set_my_description("Бот туралы", language_code="kk")
    assert (await bot.get_my_description(language_code="kk")).description == "Бот туралы"
    await bot.set_my_short_description("Қысқа")
    assert (await bot.get_my_short_description()).short_description == "Қысқа"


async def test_get_chat_and_leave(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.user(first_name="Arman")
    group = fake.group(title="Class 9B")
    assert (await bot.get_chat(user.id)).first_name == "Arman"
    assert (await bot.get_chat(group.chat_id)).title == "Class 9B"
    assert await bot.leave_chat(group.chat_id)
    with pytest.raises(TelegramForbiddenError, match="not a member"):
        await bot.send_message(group.chat_id, "x")


async def test_get_updates_offsets_and_long_polling(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.user()
    first = fake.push_update(
        "message", {"message_id": 1, "date": 0, "chat": {"id": user.id, "type": "private"}}
    )
    second = fake.push_update(
        "message", {"message_id": 2, "date": 0, "chat": {"id": user.id, "type": "private"}}
    )
    updates = await bot.get_updates(limit=1)
    assert [u.update_id for u in updates] == [first]
    updates = await bot.get_updates()  # unconfirmed updates come again
    assert [u.update_id for u in updates] == [first, second]
    assert not fake.updates.settled(first)
    assert await bot.get_updates(offset=second + 1, timeout=0) == []
    assert fake.updates.settled(second)

    # A long poll returns as soon as an update arrives.
    poll = asyncio.create_task(bot.get_updates(offset=second + 1, timeout=10))
    await asyncio.sleep(0.05)
    third = fake.push_update(
        "message", {"message_id": 3, "date": 0, "chat": {"id": user.id, "type": "private"}}
    )
    started = time.monotonic()
    assert [u.update_id for u in await poll] == [third]
    assert time.monotonic() - started < 1


async def test_long_poll_times_out_empty(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == []
    assert 0.9 < time.monotonic() - started < 2


async def test_allowed_updates_filter_and_are_remembered(fake: FakeTelegram, bot: Bot) -> None:
    fake.push_update(
        "poll_answer", {"poll_id": "1", "option_ids": [0], "option_persistent_ids": []}
    )
    kept = fake.push_update(
        "message", {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}}
    )
    updates = await bot.get_updates(allowed_updates=["message"])
    assert [u.update_id for u in updates] == [kept]
    assert fake.allowed_updates == ["message"]
    await bot.get_updates(offset=kept + 1)
    assert fake.allowed_updates == ["message"]  # omitted: the previous setting stays


async def test_webhook_blocks_get_updates(bot: Bot) -> None:
    await bot.set_webhook("https://example.org/hook")
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == []


async def test_injected_429_reaches_aiogram(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.user()
    fake.fail_next("sendMessage", error_code=429, retry_after=7)
    with pytest.raises(TelegramRetryAfter) as raised:
        await bot.send_message(user.id, "x")
    assert raised.value.retry_after == 7
    assert "Too Many Requests: retry after 7" in raised.value.message
    await bot.send_message(user.id, "x")  # only the next call failed
    assert fake.error_counts[429] == 1


async def test_injected_failure_for_one_chat(fake: FakeTelegram, bot: Bot) -> None:
    lucky, unlucky = fake.user(), fake.user()
    fake.fail_next(
        "sendMessage", error_code=400, description="Bad Request: boom", times=2, chat_id=unlucky.id
    )
    await bot.send_message(lucky.id, "x")
    for _ in range(2):
        with pytest.raises(TelegramBadRequest, match="boom"):
            await bot.send_message(unlucky.id, "x")
    await bot.send_message(unlucky.id, "x")


async def test_blocked_user_is_forbidden(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.user()
    fake.block(user.id)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(user.id, "x")
    fake.unblock(user.id)
    await bot.send_message(user.id, "x")
    assert [c.ok for c in fake.sent_to(user.id)] == [False, True]


async def test_dropped_connection_is_a_network_error(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.user()
    fake.drop_next("sendMessage")
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(user.id, "x")
    assert fake.drops == 1
    assert fake.calls[-1].dropped
    assert user.messages == []
    await bot.send_message(user.id, "after")  # the next call goes through
    assert user.last_message.text == "after"


async def test_delay(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.user()
    fake.delay("sendMessage", 0.3)
    started = time.monotonic()
    await bot.send_message(user.id, "slow")
    assert time.monotonic() - started >= 0.3
    fake.delay("sendMessage", 0)
    started = time.monotonic()
    await bot.send_message(user.id, "fast")
    assert time.monotonic() - started < 0.3


async def test_flaky_sends_meet_each_transient_fault(fake: FakeTelegram, bot: Bot) -> None:
    """`flaky(method, share)`: 500s, 502s, dropped connections and slow answers, seeded."""
    user = fake.user()
    fake.flaky("sendMessage", 1.0, seed=7, slow=0.05)
    outcomes = []
    for _ in range(24):
        try:
            await bot.send_message(user.id, "x")
            outcomes.append("slow")  # the only fault that ends in a delivery
        except TelegramServerError as exc:
            outcomes.append(str(exc.message))
        except TelegramNetworkError:
            outcomes.append("dropped")
    assert {"Internal Server Error", "Bad Gateway", "dropped", "slow"} <= set(outcomes)
    assert len(user.messages) == outcomes.count("slow")
    fake.flaky("sendMessage", 0)
    await bot.send_message(user.id, "fine")
    assert user.last_message.text == "fine"


async def test_rate_limits(fake: FakeTelegram, bot: Bot) -> None:
    fake.rate_limits = True
    user = fake.user()
    for _ in range(3):  # a short burst to one private chat is tolerated
        await bot.send_message(user.id, "x")
    with pytest.raises(TelegramRetryAfter) as raised:
        await bot.send_message(user.id, "x")
    assert raised.value.retry_after == 1
    others = [fake.user() for _ in range(40)]

    async def broadcast() -> None:
        for other in others:
            await bot.send_message(other.id, "x")

    with pytest.raises(TelegramRetryAfter):  # over 30 messages a second overall
        await broadcast()
    assert fake.error_counts[429] == 2
    assert 27 <= sum(1 for o in others if o.messages) < 40


async def test_unknown_callback_query(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query("12345")


async def test_driving_updates_by_hand(fake: FakeTelegram, bot: Bot) -> None:
    """Without a dispatcher: fetch the user's updates and answer a callback twice."""
    user = fake.user(first_name="Aigerim", language_code="kk")
    await bot.send_message(user.id, "Ready?", reply_markup=KEYBOARD)
    sending = asyncio.create_task(user.send("/start@qorgan_test_bot now"))
    [update] = await bot.get_updates(timeout=5)
    message = update.message
    assert message is not None
    assert message.from_user is not None
    assert message.from_user.language_code == "kk"
    assert message.entities is not None
    assert (message.entities[0].type, message.entities[0].length) == (
        "bot_command",
        len("/start@qorgan_test_bot"),
    )
    await bot.get_updates(offset=update.update_id + 1)  # confirms: the user's wait ends
    assert list(await sending) == []

    clicking = asyncio.create_task(user.click("Yes"))
    [update] = await bot.get_updates(offset=update.update_id + 1, timeout=5)
    query = update.callback_query
    assert query is not None
    assert query.data == "yes"
    assert isinstance(query.message, Message)
    assert query.message.text == "Ready?"
    assert await bot.answer_callback_query(query.id, text="Done", show_alert=True)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query.id, text="Again")
    await bot.get_updates(offset=update.update_id + 1)
    reply = await clicking
    answer = reply.callback_answer
    assert answer is not None
    assert (answer.text, answer.show_alert) == ("Done", True)


async def test_markdown_is_recorded_as_sent(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.user()
    await bot.send_message(user.id, "*bold* text", parse_mode="MarkdownV2")
    assert user.last_message.html == "*bold* text"
    assert fake.actions[-1].parse_mode == "MarkdownV2"


async def test_restart_after_stop() -> None:
    fake = FakeTelegram()
    await fake.start()
    await fake.stop()
    await fake.start()
    try:
        session = AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))
        restarted = Bot(TOKEN, session=session)
        try:
            started = time.monotonic()
            assert await restarted.get_updates(timeout=1) == []
            assert time.monotonic() - started >= 0.9  # long polling works again
        finally:
            await close_session(session)
    finally:
        await fake.stop()


async def test_unmodelled_send_methods_answer_valid_messages(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.user()
    upload = BufferedInputFile(b"data", "file.bin")
    sticker = await bot.send_sticker(user.id, upload)
    assert sticker.sticker is not None
    video = await bot.send_video(user.id, upload, caption="<i>clip</i>", parse_mode="HTML")
    assert video.video is not None
    assert video.caption == "clip"
    contact = await bot.send_contact(user.id, "+77010000000", "Help line")
    assert contact.contact is not None
    assert contact.contact.phone_number == "+77010000000"
    dice = await bot.send_dice(user.id)
    assert dice.dice is not None
    assert 1 <= dice.dice.value <= 6
    venue = await bot.send_venue(user.id, 43.2, 76.9, "Center", "Abay 1")
    assert venue.venue is not None
    assert venue.venue.location.latitude == 43.2
    voice = await bot.send_voice(user.id, upload)
    assert voice.voice is not None
    assert [m.kind for m in user.messages] == [
        "sticker",
        "video",
        "contact",
        "dice",
        "venue",
        "voice",
    ]
    assert fake.violations == []


async def test_media_group(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.user()
    album = await bot.send_media_group(
        user.id,
        [
            InputMediaPhoto(
                media=BufferedInputFile(b"one", "1.jpg"), caption="<b>Album</b>", parse_mode="HTML"
            ),
            InputMediaDocument(media=BufferedInputFile(b"two", "2.pdf")),
        ],
    )
    assert [m.content_type for m in album] == ["photo", "document"]
    assert album[0].caption == "Album"
    assert album[0].media_group_id == album[1].media_group_id
    assert album[1].document is not None
    assert album[1].document.file_name == "2.pdf"
    assert fake.violations == []
