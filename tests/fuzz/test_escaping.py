"""User text is escaped everywhere the bot echoes it: what a reporter, a moderator or a
broadcaster typed arrives as the same plain text, never as markup, and never breaks the
HTML of the message it is put in (the fake answers 400 "can't parse entities" to that)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

from fake_telegram import FakeGroup, FakeTelegram, FakeUser
from fake_telegram.spec import UploadedFile

from bot.domain import Language
from tests.e2e.conftest import RunningBot, open_details
from tests.e2e.test_onboarding import onboard

Tr = Callable[[str, Language | str], str]
RU, KK = Language.RU, Language.KK
RECEIPT = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")

LINK = 'shop.kz/<b>x</b>&amp;<a_href="x">'  # a web address the form accepts, as typed
STORED_LINK = LINK  # normalised, it keeps every character of its path
ADDRESS = 'Абая <b>10</b> & <a href="x">кв. 5</a> &amp; &lt;'
DESCRIPTION = 'They sell <b>соль</b> & <a href="x">link</a> *_[ &amp; <i>'
REPLY = 'Спасибо! <b>Передали</b> & <a href="x">полиции</a> &lt;'
NOTE = 'Канал <b>активен</b> & <a href="tg://user?id=1">x</a>'
BROADCAST_KK = 'Ертең <b>білім</b> күні & <a href="x">сілтеме</a> &amp;'
BROADCAST_RU = 'Завтра — день <знаний> & <a href="x">безопасности</a> &lt;b&gt;'


def unparsed(fake: FakeTelegram) -> list[str]:
    return [
        f"{c.method}: {c.description}"
        for c in fake.errors
        if "can't parse entities" in (c.description or "")
    ]


def no_markup_from(message_entities: list[dict[str, object]]) -> None:
    """The user's `<a href="x">` never became a link."""
    assert not [e for e in message_entities if e.get("type") == "text_link"], message_entities


async def send_tip(
    user: FakeUser, tr: Tr, category: str, place: str | None, description: str
) -> str:
    await user.send("/report")
    await user.click(tr(category, RU))
    if category == "📍 A stash (закладка)":
        await user.click(tr("I don't know", RU))  # the place's region
    if place is not None:
        reply = await user.send(place)
    reply = await user.send(description)
    reply = await user.click(tr("Skip ➡️", RU))  # no photos: the review
    review = reply.text
    assert description in review, review
    reply = await user.click(tr("✅ Send", RU))
    match = RECEIPT.search(reply.text)
    assert match, reply.text
    return match.group(0)


async def test_a_tip_reaches_the_moderators_verbatim(
    fake: FakeTelegram,
    owner: FakeUser,
    moderators_chat: FakeGroup,
    dmitry: FakeUser,
    tr: Tr,
    running: RunningBot,
) -> None:
    await send_tip(dmitry, tr, "🌐 Website or social network", LINK, DESCRIPTION)
    card = await open_details(fake, owner, moderators_chat)
    assert f"🔗 {STORED_LINK}" in card and DESCRIPTION in card, card
    no_markup_from(owner.last_bot_message.entities)

    await send_tip(dmitry, tr, "📍 A stash (закладка)", ADDRESS, DESCRIPTION)
    card = await open_details(fake, owner, moderators_chat, 2)
    assert f"🏠 {ADDRESS}" in card and DESCRIPTION in card, card
    no_markup_from(owner.last_bot_message.entities)

    # The same card opened from the queue, in a moderator's private chat.
    reply = await owner.send("/tips")
    tip_buttons = [b for b in reply.buttons if b.startswith("🆕")]
    reply = await owner.click(tip_buttons[0])  # the newest: the stash
    assert ADDRESS in reply.text and DESCRIPTION in reply.text, reply.text
    assert unparsed(fake) == []


async def test_a_moderators_reply_and_note_reach_the_reporter_and_export_verbatim(
    fake: FakeTelegram,
    owner: FakeUser,
    moderators_chat: FakeGroup,
    dmitry: FakeUser,
    tr: Tr,
    running: RunningBot,
) -> None:
    code = await send_tip(dmitry, tr, "🌐 Website or social network", LINK, DESCRIPTION)
    await open_details(fake, owner, moderators_chat)
    card = owner.last_bot_message
    await owner.click(tr("💬 Reply to reporter", RU))
    reply = await owner.send(REPLY, reply_to=owner.last_bot_message.message_id)
    assert REPLY in reply.text  # the preview shows it as typed
    no_markup_from(reply.last.entities)
    await owner.click(tr("✅ Confirm", RU))
    await owner.click_in(card.message_id, tr("📝 Note", RU))
    await owner.send(NOTE, reply_to=owner.last_bot_message.message_id)

    reply = await dmitry.send(f"/status {code}")
    assert REPLY in reply.text, reply.text
    no_markup_from(reply.last.entities)

    await owner.click_in(card.message_id, tr("📜 History", RU))
    assert REPLY in owner.last_bot_message.text, owner.last_bot_message.text

    await owner.send("/export")
    document = fake.calls_to("sendDocument")[-1].params["document"]
    assert isinstance(document, UploadedFile)
    rows = list(csv.DictReader(io.StringIO(document.data.decode("utf-8-sig"))))
    assert rows[-1]["notes"] == NOTE and rows[-1]["links"] == STORED_LINK, rows
    assert unparsed(fake) == []


async def test_a_broadcast_arrives_as_typed(
    fake: FakeTelegram,
    owner: FakeUser,
    aigerim: FakeUser,
    dmitry: FakeUser,
    tr: Tr,
    running: RunningBot,
) -> None:
    await onboard(aigerim, tr, KK, "🧑 Teenager", None, subscribe=True)
    await onboard(dmitry, tr, RU, "👪 Parent", None, subscribe=True)
    await owner.send("/broadcast")
    await owner.send(BROADCAST_KK)
    await owner.send(BROADCAST_RU)
    await owner.click(tr("Skip ➡️", RU))  # no photo
    await owner.click(tr("No button", RU))
    reply = await owner.click(tr("Preview ➡️", RU))
    assert BROADCAST_KK in reply.text and BROADCAST_RU in reply.text, reply.text
    await owner.click(tr("✅ Start the broadcast", RU))

    def received(user: FakeUser, text: str) -> bool:
        return any(m.text == text for m in user.messages)

    await fake.wait_for(
        lambda: received(aigerim, BROADCAST_KK) and received(dmitry, BROADCAST_RU), timeout=10
    )
    for user in (aigerim, dmitry):
        no_markup_from(user.messages[-1].entities)
    assert unparsed(fake) == []
