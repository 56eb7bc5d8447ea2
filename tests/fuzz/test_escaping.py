"""User text is escaped everywhere the bot echoes it: what a reporter, a moderator or a
broadcaster typed arrives as the same plain text, never as markup, and never breaks the
HTML of the message it is put in (the fake answers 400 "can't parse entities" to that)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

from bot.domain import Language
from bot.fake_api import FakeGroup, FakeTelegram, FakeUser
from bot.fake_api.spec import UploadedFile
from tests.e2e.conftest import RunningBot
from tests.e2e.test_onboarding import onboard

Tr = Callable[[str, Language], str]
RU, KK = Language.RU, Language.KK
RECEIPT = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")

LINK = 'shop.kz/<b>x</b>&amp;<a_href="x">'  # a web address the form accepts, as typed
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
    if place is not None:
        reply = await user.send(place)
    reply = await user.send(description)
    reply = await user.click(tr("Skip ➡️", RU))  # no photos: the review
    review = reply.text
    assert description in review and (place is None or place in review), review
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
    await fake.wait_for(lambda: len(moderators_chat.messages) >= 1, timeout=5)
    card = moderators_chat.messages[-1]
    assert f"🔗 {LINK}" in card.text and DESCRIPTION in card.text, card.text
    no_markup_from(card.entities)

    await send_tip(dmitry, tr, "📍 A stash (закладка)", ADDRESS, DESCRIPTION)
    await fake.wait_for(lambda: len(moderators_chat.messages) >= 2, timeout=5)
    card = moderators_chat.messages[-1]
    assert f"🏠 {ADDRESS}" in card.text and DESCRIPTION in card.text, card.text
    no_markup_from(card.entities)

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
    await fake.wait_for(lambda: bool(moderators_chat.messages), timeout=5)
    card = moderators_chat.messages[-1]
    moderator = owner.in_group(moderators_chat)
    await moderator.click_in(card.message_id, tr("💬 Reply to reporter", RU))
    await moderator.send(REPLY, reply_to=moderators_chat.messages[-1].message_id)
    await moderator.click_in(card.message_id, tr("📝 Note", RU))
    await moderator.send(NOTE, reply_to=moderators_chat.messages[-1].message_id)

    reply = await dmitry.send(f"/status {code}")
    assert REPLY in reply.text, reply.text
    no_markup_from(reply.last.entities)

    reply = await moderator.click_in(card.message_id, tr("🔄 Refresh", RU))
    assert REPLY in reply.text and DESCRIPTION in reply.text, reply.text

    await owner.send("/export")
    document = fake.calls_to("sendDocument")[-1].params["document"]
    assert isinstance(document, UploadedFile)
    rows = list(csv.DictReader(io.StringIO(document.data.decode("utf-8-sig"))))
    assert rows[-1]["notes"] == NOTE and rows[-1]["link"] == LINK, rows
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
