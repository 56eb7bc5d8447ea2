"""The demo's JSON API over real HTTP on 127.0.0.1: what a persona sees, what it can do, the
guards of a local-only server, files, and reset. These run everywhere (no browser)."""

from __future__ import annotations

import struct
import zlib

import aiohttp
from qorgan_demo import DemoServer
from qorgan_demo.personas import MODERATORS_CHAT_ID, PERSONAS
from qorgan_demo.runner import database_files
from qorgan_demo.web import CSRF_HEADER

from bot.domain import Language
from bot.i18n import locale_of
from tests.demo.conftest import DemoClient, Tr

KK, RU = Language.KK, Language.RU


def tiny_png() -> bytes:
    """A valid 1x1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


async def test_config_lists_personas_and_texts(client: DemoClient) -> None:
    async with client.session.get(f"{client.url}/api/config") as response:
        config = await response.json()
    assert [p["key"] for p in config["personas"]] == [p.key for p in PERSONAS]
    moderator = next(p for p in config["personas"] if p["owner"])
    assert moderator["chats"] == ["private", "group"]
    assert set(config["texts"]) == {"kk", "ru"}
    assert config["texts"]["kk"].keys() == config["texts"]["ru"].keys()


async def test_page_is_served_with_a_strict_policy(client: DemoClient) -> None:
    async with client.session.get(client.url + "/") as response:
        assert response.status == 200
        assert "/static/app.js" in await response.text()
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    for name in ("app.js", "style.css"):
        async with client.session.get(f"{client.url}/static/{name}") as response:
            assert response.status == 200


async def test_onboarding_through_the_api(client: DemoClient, tr: Tr) -> None:
    state = await client.state("teen_kk")
    assert state["ready"] and state["bot_running"]
    assert state["chats"][0]["messages"] == []
    assert (await client.state("teen_kk", state["version"]))["changed"] is False

    result = await client.post("send", persona="teen_kk", text="/start")
    assert result["settled"]
    chat = await client.chat("teen_kk")
    greeting = chat["messages"][-1]
    assert greeting["from_bot"] and "Qorgan" in greeting["text"]
    assert [b["text"] for b in greeting["inline_keyboard"][0]] == ["🇰🇿 Қазақша", "🇷🇺 Русский"]
    assert {c["command"] for c in chat["commands"]} >= {"start", "report", "help"}

    await client.press("teen_kk", "🇰🇿 Қазақша")
    chat = await client.chat("teen_kk")
    edited = chat["messages"][-1]
    assert edited["edited"]  # the bot edits the greeting in place
    assert edited["text"] == tr("Who are you? This helps me pick what to show you.", KK)
    # Other personas see nothing of it.
    assert (await client.chat("parent"))["messages"] == []


async def test_quiz_answer_reveals_the_correct_option(client: DemoClient, tr: Tr) -> None:
    await onboard(client, "parent", tr, RU, "👪 Parent")
    await client.post("send", persona="parent", text="/menu")
    await client.press("parent", tr("🧩 Quiz", locale_of(RU, formal=True)))
    chat = await client.chat("parent")
    quiz_button = chat["messages"][-1]["inline_keyboard"][0][0]["text"]
    await client.press("parent", quiz_button)
    chat = await client.chat("parent")
    poll_message = next(m for m in reversed(chat["messages"]) if m["kind"] == "poll")
    poll = poll_message["poll"]
    assert poll["type"] == "quiz" and poll["can_vote"] and poll["chosen"] is None
    assert "correct" not in poll and "explanation" not in poll  # not before voting
    await client.post("vote", persona="parent", message_id=poll_message["id"], options=[0])
    chat = await client.chat("parent")
    poll = next(m for m in chat["messages"] if m["id"] == poll_message["id"])["poll"]
    assert poll["chosen"] == [0] and poll["correct"] and poll["explanation"]
    assert not poll["can_vote"]
    # A quiz takes one vote, as in the Telegram app.
    await client.post(
        "vote", expect=409, persona="parent", message_id=poll_message["id"], options=[1]
    )


async def test_tip_reaches_the_moderators_chat_and_a_note_is_a_reply(
    client: DemoClient, tr: Tr, demo: DemoServer
) -> None:
    await client.post("send", persona="teen_ru", text="/report")
    await client.press("teen_ru", tr("📍 A stash (закладка)", RU))
    await client.press("teen_ru", tr("I don't know", RU))  # the place's region
    await client.post("location", persona="teen_ru", latitude=43.25, longitude=76.95)
    await client.post("send", persona="teen_ru", text="<b>под скамейкой</b> у школы")
    form = aiohttp.FormData()
    form.add_field("persona", "teen_ru")
    form.add_field("chat", "private")
    form.add_field("caption", "")
    form.add_field("photo", tiny_png(), filename="place.png", content_type="image/png")
    async with client.session.post(
        f"{client.url}/api/photo", data=form, headers={CSRF_HEADER: "1"}
    ) as response:
        assert response.status == 200, await response.text()
    await client.press("teen_ru", tr("Done ➡️", RU))
    await client.press("teen_ru", tr("✅ Send", RU))
    mine = await client.chat("teen_ru")
    # After Send the form's messages leave the reporter's chat; the receipt stays.
    assert [m["kind"] for m in mine["messages"] if m["own"]] == []
    assert "/status" in mine["messages"][-1]["text"]

    # The shared chat gets a summary after a short random delay; details open in private.
    await demo.bot.fake.wait_for(
        lambda: len(demo.bot.fake.store.chats[MODERATORS_CHAT_ID].visible()) >= 1, timeout=8
    )
    group = await client.chat("moderator", "group")
    assert [m["kind"] for m in group["messages"]] == ["message"]
    assert "под скамейкой" not in group["messages"][-1]["text"]
    await client.press("moderator", tr("🔎 Details", RU), "group")
    private = await client.chat("moderator")
    kinds = [m["kind"] for m in private["messages"]]
    assert kinds.count("photo") == 1 and "location" in kinds
    card = private["messages"][-1]
    assert tr("📍 A stash (закладка)", RU) in card["text"]
    assert "<b>под скамейкой</b>" in card["text"]  # the reporter's text, as text
    photo = next(m for m in private["messages"] if m["kind"] == "photo")["photo"]
    async with client.session.get(f"{client.url}/api/file/{photo['file_id']}") as response:
        # Re-encoded by the bot: a JPEG without the reporter's file or its metadata.
        assert response.headers["Content-Type"] == "image/jpeg"
        assert await response.read() != tiny_png()

    await client.press("moderator", tr("📝 Note", RU))
    private = await client.chat("moderator")
    prompt = private["force_reply"]
    assert prompt is not None and prompt["message_id"] == private["messages"][-1]["id"]
    await client.post("send", persona="moderator", text="Передано", reply_to=prompt["message_id"])
    private = await client.chat("moderator")
    assert private["force_reply"] is None
    assert private["messages"][-2]["reply_to"]["id"] == prompt["message_id"]
    assert "#" in group["messages"][-1]["text"]

    await client.post("send", persona="moderator", text="/export")
    private = await client.chat("moderator")
    document = private["messages"][-1]["document"]
    assert document["file_name"].endswith(".csv")
    url = f"{client.url}/api/file/{document['file_id']}?download=1"
    async with client.session.get(url) as response:
        assert response.headers["Content-Type"] == "application/octet-stream"
        assert "attachment" in response.headers["Content-Disposition"]
        assert "Передано" in (await response.read()).decode("utf-8-sig")


async def test_bad_requests_are_refused(client: DemoClient) -> None:
    await client.post("send", expect=400, persona="teen_kk", text="   ")
    await client.post("send", expect=404, persona="nobody", text="hi")
    await client.post("send", expect=404, persona="teen_kk", chat="group", text="hi")
    await client.post("send", expect=404, persona="teen_kk", text="hi", reply_to=999)
    await client.post("press", expect=404, persona="teen_kk", message_id=1, row=0, column=0)
    await client.post("reply-button", expect=409, persona="teen_kk", row=0, column=0)
    await client.post("location", expect=400, persona="teen_kk", latitude=91, longitude=0)
    await client.post("location", expect=400, persona="teen_kk", latitude="x", longitude=0)
    await client.post("vote", expect=404, persona="teen_kk", message_id=1, options=[0])
    form = aiohttp.FormData()
    form.add_field("persona", "teen_kk")
    form.add_field("photo", b"<html>not an image</html>", filename="x.png")
    async with client.session.post(
        f"{client.url}/api/photo", data=form, headers={CSRF_HEADER: "1"}
    ) as response:
        assert response.status == 400
    async with client.session.get(f"{client.url}/api/file/nothing") as response:
        assert response.status == 404


async def test_only_this_machine_may_use_it(client: DemoClient) -> None:
    # A web page elsewhere cannot post without the custom header (that needs a preflight)...
    async with client.session.post(
        f"{client.url}/api/send", json={"persona": "teen_kk", "text": "/start"}
    ) as response:
        assert response.status == 403
    # ...nor reach it through a DNS name pointing at 127.0.0.1.
    async with client.session.get(
        f"{client.url}/api/config", headers={"Host": "evil.example:8080"}
    ) as response:
        assert response.status == 403
    for host in ("localhost:8080", "[::1]:8080", "127.0.0.1"):
        async with client.session.get(
            f"{client.url}/api/config", headers={"Host": host}
        ) as response:
            assert response.status == 200, host
    assert (await client.chat("teen_kk"))["messages"] == []


async def test_reset_starts_afresh(client: DemoClient, demo: DemoServer, tr: Tr) -> None:
    await onboard(client, "teen_kk", tr, KK, "🧑 Teenager")
    before = await client.state("teen_kk")
    assert demo.bot.database_path.exists()
    await client.post("reset")
    after = await client.state("teen_kk")
    assert after["generation"] == before["generation"] + 1
    assert after["chats"][0]["messages"] == []
    assert demo.bot.bot_running
    # The profile is gone with the database: /start asks for the language again.
    await client.post("send", persona="teen_kk", text="/start")
    chat = await client.chat("teen_kk")
    assert [b["text"] for b in chat["messages"][-1]["inline_keyboard"][0]] == [
        "🇰🇿 Қазақша",
        "🇷🇺 Русский",
    ]
    assert database_files(demo.bot.database_path)[0].exists()


async def onboard(client: DemoClient, persona: str, tr: Tr, language: Language, role: str) -> None:
    await client.post("send", persona=persona, text="/start")
    await client.press(persona, "🇰🇿 Қазақша" if language is KK else "🇷🇺 Русский")
    await client.press(persona, tr(role, language))
    reads = locale_of(language, formal=role == "👪 Parent")  # a parent is addressed formally
    await client.press(persona, tr("Skip", reads))
    await client.press(persona, tr("No, thanks", reads))
