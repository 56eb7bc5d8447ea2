"""A real aiogram Dispatcher polling the fake, driven by fake users."""

from __future__ import annotations

import asyncio

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.enums import ContentType
from aiogram.filters import Command, CommandStart
from aiogram.types import (
    CallbackQuery,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    PollAnswer,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.text_decorations import html_decoration
from fake_telegram import FakeTelegram

from tests.fake_telegram.conftest import PollingRunner


def echo_dispatcher(bot: Bot) -> Dispatcher:
    """A tiny bot: echo, a menu with inline buttons, a quiz, a reply keyboard."""
    dp = Dispatcher()
    menu = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="🇰🇿 Қазақша", callback_data="lang:kk")],
            [InlineKeyboardButton(text="🇷🇺 Русский", callback_data="lang:ru")],
            [InlineKeyboardButton(text="Website", url="https://example.org")],
        ]
    )

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer("Choose a language:", reply_markup=menu)

    @dp.callback_query(F.data.startswith("lang:"))
    async def language(query: CallbackQuery) -> None:
        assert query.data is not None
        assert isinstance(query.message, Message)
        await query.answer("Saved")
        await query.message.edit_text(f"Language: <b>{query.data[5:]}</b>", parse_mode="HTML")

    @dp.message(Command("quiz"))
    async def quiz(message: Message) -> None:
        await message.answer_poll(
            "2 + 2?", ["3", "4"], type="quiz", correct_option_id=1, is_anonymous=False
        )

    @dp.poll_answer()
    async def answered(answer: PollAnswer) -> None:
        assert answer.user is not None
        verdict = "right" if answer.option_ids == [1] else "wrong"
        await bot.send_message(answer.user.id, f"That is {verdict}")

    @dp.message(Command("menu"))
    async def reply_menu(message: Message) -> None:
        keyboard = ReplyKeyboardMarkup(
            keyboard=[
                [KeyboardButton(text="Help")],
                [KeyboardButton(text="Share location", request_location=True)],
            ],
            resize_keyboard=True,
        )
        await message.answer("Menu:", reply_markup=keyboard)

    @dp.message(F.location)
    async def location(message: Message) -> None:
        assert message.location is not None
        await message.answer(
            f"You are at {message.location.latitude:.2f}", reply_markup=ReplyKeyboardRemove()
        )

    @dp.message(F.photo)
    async def photo(message: Message) -> None:
        assert message.photo is not None
        file = await bot.get_file(message.photo[-1].file_id)
        assert file.file_path is not None
        data = await bot.download_file(file.file_path)
        assert data is not None
        await message.answer(f"Photo of {len(data.read())} bytes")

    @dp.message(F.text)
    async def echo(message: Message) -> None:
        assert message.text is not None
        await message.answer(f"Echo: {html_decoration.quote(message.text)}", parse_mode="HTML")

    @dp.edited_message()
    async def edited(message: Message) -> None:
        await message.reply(f"Edited to {message.text}")

    @dp.my_chat_member()
    async def member(update: ChatMemberUpdated) -> None:
        blocked_bots.append(update.new_chat_member.status)

    blocked_bots: list[str] = []
    dp["blocked"] = blocked_bots
    return dp


async def test_echo_round_trip(fake: FakeTelegram, bot: Bot, polling: PollingRunner) -> None:
    user = fake.user(first_name="Aigerim", language_code="kk")
    async with polling(echo_dispatcher(bot)):
        reply = await user.send("Hello <world> & you")
    assert reply.text == "Echo: Hello <world> & you"
    assert reply.last.html == "Echo: Hello &lt;world&gt; &amp; you"
    assert [m.text for m in user.messages] == ["Hello <world> & you", reply.text]
    assert fake.violations == []


async def test_commands_and_inline_buttons(
    fake: FakeTelegram, bot: Bot, polling: PollingRunner
) -> None:
    user = fake.user()
    async with polling(echo_dispatcher(bot)):
        reply = await user.send("/start")
        assert reply.buttons == ["🇰🇿 Қазақша", "🇷🇺 Русский", "Website"]
        assert reply.last.callback_data == {"🇰🇿 Қазақша": "lang:kk", "🇷🇺 Русский": "lang:ru"}
        with pytest.raises(AssertionError, match="URL button"):
            await user.click("Website")
        reply = await user.click("Русский")  # a substring is enough when unambiguous
    assert reply.kinds == ["callback_answer", "edit"]
    callback_answer = reply.callback_answer
    assert callback_answer is not None
    assert callback_answer.text == "Saved"
    assert reply.text == "Language: ru"
    assert [m.text for m in user.messages] == ["/start", "Language: ru"]
    assert user.last_message.buttons == []
    assert fake.violations == []


async def test_command_with_bot_name(fake: FakeTelegram, bot: Bot, polling: PollingRunner) -> None:
    group = fake.group(title="Class 9B")
    user = fake.user().in_group(group)
    async with polling(echo_dispatcher(bot)):
        reply = await user.send("/start@qorgan_test_bot")
    assert reply.last.text == "Choose a language:"
    assert reply.last.chat_id == group.chat_id


async def test_click_errors_list_the_buttons(
    fake: FakeTelegram, bot: Bot, polling: PollingRunner
) -> None:
    user = fake.user()
    async with polling(echo_dispatcher(bot)):
        await user.send("/start")
        with pytest.raises(AssertionError, match=r"visible:.*Русский"):
            await user.click("Deutsch")


async def test_quiz_answer(fake: FakeTelegram, bot: Bot, polling: PollingRunner) -> None:
    user = fake.user()
    async with polling(echo_dispatcher(bot)):
        reply = await user.send("/quiz")
        assert reply.last.kind == "poll"
        assert fake.allowed_updates is not None
        assert "poll_answer" in fake.allowed_updates
        reply = await user.answer_poll(1)
    assert reply.text == "That is right"
    poll = user.messages[1].data["poll"]
    assert poll["total_voter_count"] == 1
    assert poll["options"][1]["voter_count"] == 1


async def test_reply_keyboard(fake: FakeTelegram, bot: Bot, polling: PollingRunner) -> None:
    user = fake.user()
    async with polling(echo_dispatcher(bot)):
        reply = await user.send("/menu")
        assert reply.last.keyboard == [["Help"], ["Share location"]]
        reply = await user.press_reply("Help")
        assert reply.text == "Echo: Help"
        reply = await user.press_reply("Share location")
        assert reply.text == "You are at 43.24"
        with pytest.raises(AssertionError, match="no reply keyboard"):
            await user.press_reply("Help")  # removed by ReplyKeyboardRemove


async def test_photo_edit_and_silence(fake: FakeTelegram, bot: Bot, polling: PollingRunner) -> None:
    user = fake.user()
    async with polling(echo_dispatcher(bot)):
        reply = await user.send_photo()
        assert reply.text.startswith("Photo of ")
        reply = await user.send("typo")
        reply = await user.edit(user.messages[-2], "fixed")
        assert reply.text == "Edited to fixed"
        assert reply.last.message is not None
        assert reply.last.message["reply_to_message"]["text"] == "fixed"
        await user.send_sticker()  # the tiny bot ignores stickers
        await user.expect_silence(0.2)


async def test_block_bot(fake: FakeTelegram, bot: Bot, polling: PollingRunner) -> None:
    user = fake.user()
    dp = echo_dispatcher(bot)
    async with polling(dp):
        reply = await user.block_bot()
        assert list(reply) == []
        assert dp["blocked"] == ["kicked"]
        await user.unblock_bot()
    assert dp["blocked"] == ["kicked", "member"]


async def test_timeout_explains_what_happened(fake: FakeTelegram) -> None:
    user = fake.user()
    with pytest.raises(AssertionError, match="never fetched by getUpdates"):
        await user.send("anyone?", timeout=0.2)


async def test_wait_for_background_work(
    fake: FakeTelegram, bot: Bot, polling: PollingRunner
) -> None:
    users = [fake.user() for _ in range(5)]

    async def broadcast() -> None:
        for user in users:
            await bot.send_message(user.id, "News")

    async with polling(echo_dispatcher(bot)):
        task = asyncio.create_task(broadcast())
        await fake.wait_for(lambda: len(fake.calls_to("sendMessage")) == 5, timeout=2)
        await task
    assert all(u.last_message.text == "News" for u in users)


async def test_media_messages_reach_the_bot(
    fake: FakeTelegram, bot: Bot, polling: PollingRunner
) -> None:
    dp = Dispatcher()

    @dp.message()
    async def kind(message: Message) -> None:
        await message.answer(ContentType(message.content_type).value)

    user = fake.user()
    async with polling(dp):
        kinds = [
            (await user.send_document("photo.jpg", "image/jpeg")).text,
            (await user.send_voice()).text,
            (await user.send_video()).text,
            (await user.send_contact()).text,
            (await user.send_location(51.1, 71.4)).text,
            (await user.send_sticker()).text,
        ]
    assert kinds == ["document", "voice", "video", "contact", "location", "sticker"]
    assert fake.violations == []


async def test_helpers_for_test_authors(
    fake: FakeTelegram, bot: Bot, polling: PollingRunner
) -> None:
    group = fake.group(title="School 12")
    user = fake.user()
    async with polling(echo_dispatcher(bot)):
        reply = await user.send_many(["one", "two", "three"])
        assert sorted(reply.text.splitlines()) == ["Echo: one", "Echo: three", "Echo: two"]
        reply = await group.send(user, "/start", expect_reply=True)
        assert reply.last.url_buttons == ["https://example.org"]
        menu = await user.send("/start")
        await user.send("/start")
        assert menu.last.message_id is not None
        reply = await user.click_in(menu.last.message_id, "🇰🇿 Қазақша")
        assert reply.edits[0].message_id == menu.last.message_id
        quiz = await user.send("/quiz")
        poll = quiz.last.poll
        assert poll is not None
        await user.answer_poll(0)
        await user.answer_poll(1, poll_id=poll["id"])  # a second vote: sent anyway
        await user.answer_poll(0, poll_id="999", expect_reply=True)  # forged
        with pytest.raises(AssertionError, match="expected no reply"):
            await user.send("hi", expect_reply=False)
    assert user.user_id == user.id
    assert len(fake.calls_to("sendMessage", finished=True)) == len(fake.calls_to("sendmessage"))
