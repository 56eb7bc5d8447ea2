"""Every command and menu item, the language switch, /stop and /start, setMyCommands."""

from __future__ import annotations

from collections.abc import Callable

from fake_telegram import FakeTelegram, FakeUser

from bot.db.repositories import users as users_repo
from bot.domain import Language
from tests.e2e.conftest import MODERATOR_CHAT_ID, OWNER_ID, RunningBot, adult
from tests.e2e.test_onboarding import onboard

Tr = Callable[[str, Language | str], str]
RU, KK = Language.RU, Language.KK
PARENT = adult(RU)  # what a parent reads: the formal register


async def subscribed(running: RunningBot, user: FakeUser) -> bool:
    async with running.app.db.transaction() as conn:
        profile = await users_repo.get(conn, user.user_id)
    assert profile is not None
    return profile.subscribed


async def test_command_menu_is_registered_per_language(
    fake: FakeTelegram, tr: Tr, running: RunningBot
) -> None:
    calls = fake.calls_to("setMyCommands")
    for_everyone = [
        c for c in calls if c.params.get("scope", {"type": "default"})["type"] == "default"
    ]
    by_language = {c.params.get("language_code"): c.params["commands"] for c in for_everyone}
    assert set(by_language) == {"kk", "ru", None}
    user_commands = {
        "start",
        "learn",
        "quiz",
        "practice",
        "report",
        "status",
        "settings",
        "language",
        "help",
        "privacy",
        "stop",
        "cancel",
        "forget",
    }
    for code, language in (("kk", KK), ("ru", RU), (None, RU)):
        descriptions = {c["command"]: c["description"] for c in by_language[code]}
        assert descriptions["start"] == tr("Main menu", language)
        assert set(descriptions) == user_commands
    assert by_language["kk"] != by_language["ru"]
    # Owners and the moderators' chat also see the moderation commands.
    for chat_id in (OWNER_ID, MODERATOR_CHAT_ID):
        scoped = [c for c in calls if c.params.get("scope", {}).get("chat_id") == chat_id]
        assert scoped
        assert all(
            {"tips", "export"} <= {c["command"] for c in call.params["commands"]} for call in scoped
        )


async def test_polling_asks_for_poll_answers(fake: FakeTelegram, running: RunningBot) -> None:
    allowed = fake.calls_to("getUpdates")[-1].params.get("allowed_updates")
    assert allowed is not None
    assert {"message", "callback_query", "poll_answer", "my_chat_member"} <= set(allowed)


async def test_help_privacy_and_cancel(dmitry: FakeUser, tr: Tr) -> None:
    await onboard(dmitry, tr, RU, "👪 Parent", None, subscribe=True)
    reply = await dmitry.send("/help")
    assert tr("/privacy: what I store and what I never store", PARENT) in reply.text
    assert "112" in reply.text
    reply = await dmitry.send("/privacy")
    assert tr("• your name, username or phone number", PARENT) in reply.text
    reply = await dmitry.send("/cancel")
    assert tr("There is nothing to cancel.", PARENT) in reply.text


async def test_every_menu_item_answers(dmitry: FakeUser, tr: Tr) -> None:
    await onboard(dmitry, tr, RU, "👪 Parent", None, subscribe=True)
    for label, expected in (
        ("📚 Learn", tr("Choose a topic:", PARENT)),
        ("🧩 Quiz", tr("Choose a quiz:", PARENT)),
        ("🆘 Get help now", "111"),
        ("⚙️ Settings", tr("Your settings:", PARENT)),
        ("🔒 Privacy", tr("<b>What I keep</b>", PARENT).replace("<b>", "").replace("</b>", "")),
    ):
        reply = await dmitry.send("/menu")
        reply = await dmitry.click(tr(label, PARENT))
        assert expected in reply.text, label
        assert reply.callback_answer is not None, f"{label}: the button was not answered"
        reply = await dmitry.click(tr("⬅️ Menu", PARENT))
        assert reply.text == tr("What would you like to do?", PARENT)


async def test_helplines_come_from_the_data_file(dmitry: FakeUser, tr: Tr) -> None:
    await onboard(dmitry, tr, RU, "👪 Parent", None, subscribe=True)
    await dmitry.send("/menu")
    reply = await dmitry.click(tr("🆘 Get help now", PARENT))
    for number in ("111", "112", "102", "103", "150"):
        assert number in reply.text
    # Emergency numbers come first.
    lines = reply.text.splitlines()
    contact_lines = [line for line in lines if line.startswith(("🚨", "☎️"))]
    first_line = {
        n: next(i for i, line in enumerate(contact_lines) if f" {n} " in line)
        for n in ("112", "111")
    }
    assert first_line["112"] < first_line["111"]
    # Each number is printed once on its line ("112 — 112 — ..." was a bug).
    for line in contact_lines:
        number = line.split()[1]
        assert line.count(number) == 1, line


async def test_switching_language_in_settings(aigerim: FakeUser, tr: Tr) -> None:
    await onboard(aigerim, tr, KK, "🧑 Teenager", None, subscribe=True)
    await aigerim.send("/settings")
    await aigerim.click(tr("🌐 Language", KK))
    reply = await aigerim.click("Русский")
    assert tr("Your settings:", RU) in reply.text
    reply = await aigerim.send("/help")
    assert tr("/stop: stop campaign messages", RU) in reply.text


async def test_language_command(aigerim: FakeUser, tr: Tr) -> None:
    await onboard(aigerim, tr, KK, "🧑 Teenager", None, subscribe=True)
    reply = await aigerim.send("/language")
    assert reply.buttons[:2] == ["🇰🇿 Қазақша", "🇷🇺 Русский"]
    reply = await aigerim.click("Русский")
    assert tr("Your settings:", RU) in reply.text


async def test_changing_role_and_region(dmitry: FakeUser, tr: Tr, running: RunningBot) -> None:
    await onboard(dmitry, tr, RU, "👪 Parent", None, subscribe=True)
    await dmitry.send("/settings")
    await dmitry.click(tr("👤 Who I am", PARENT))
    reply = await dmitry.click(tr("🧑‍🏫 Teacher or specialist", PARENT))
    assert (
        tr("Who you are: {role}", PARENT).format(role=tr("🧑‍🏫 Teacher or specialist", PARENT))
        in reply.text
    )
    await dmitry.click(tr("📍 Region", PARENT))
    reply = await dmitry.click("Шымкент")
    assert tr("Region: {region}", PARENT).format(region="Шымкент") in reply.text
    reply = await dmitry.click(tr("🔕 Turn off campaign messages", PARENT))
    assert not await subscribed(running, dmitry)
    assert tr("🔔 Turn on campaign messages", PARENT) in reply.buttons


async def test_stop_then_start_offers_to_subscribe(
    dmitry: FakeUser, tr: Tr, running: RunningBot
) -> None:
    await onboard(dmitry, tr, RU, "👪 Parent", None, subscribe=True)
    reply = await dmitry.send("/stop")
    assert "/start" in reply.text
    assert not await subscribed(running, dmitry)
    reply = await dmitry.send("/start")
    assert [tr("🔔 Turn on campaign messages", PARENT)] in reply.messages[0].buttons
    await dmitry.click(tr("🔔 Turn on campaign messages", PARENT))
    assert await subscribed(running, dmitry)


async def test_unknown_text_and_command(dmitry: FakeUser, tr: Tr) -> None:
    await onboard(dmitry, tr, RU, "👪 Parent", None, subscribe=True)
    reply = await dmitry.send("what is this?")
    assert (
        tr("I didn't understand that. Choose from the menu, or send /help.", PARENT) in reply.text
    )
    assert tr("📚 Learn", PARENT) in reply.buttons
    reply = await dmitry.send("/frobnicate")
    assert tr("I don't know that command. Here is what I can do:", PARENT) in reply.text


async def test_stale_button_is_answered(dmitry: FakeUser, tr: Tr) -> None:
    await onboard(dmitry, tr, RU, "👪 Parent", None, subscribe=True)
    menu_id = (await dmitry.send("/menu")).last.message_id
    assert menu_id is not None
    answer = (await dmitry.click_data(menu_id, "zz9:garbage")).callback_answer
    assert answer is not None
    assert answer.text == tr("This button is out of date. Send /start to open the menu.", PARENT)
    answer = (await dmitry.click_data(menu_id, "g1:atlantis:0")).callback_answer
    assert answer is not None and answer.text
