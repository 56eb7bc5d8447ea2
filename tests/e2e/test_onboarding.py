"""Onboarding in each language, and what a returning user sees."""

from __future__ import annotations

from collections.abc import Callable

from fake_telegram import FakeTelegram, FakeUser

from bot.db.repositories import users as users_repo
from bot.domain import Language, Role
from tests.e2e.conftest import RunningBot, adult

Tr = Callable[[str, Language | str], str]


async def onboard(
    user: FakeUser, tr: Tr, language: Language, role: str, region: str | None, subscribe: bool
) -> None:
    await user.send("/start")
    await user.click("Қазақша" if language is Language.KK else "Русский")
    await user.click(tr(role, language))
    # From the role on, a parent or a teacher is addressed formally.
    reads = adult(language) if role in {"👪 Parent", "🧑‍🏫 Teacher or specialist"} else language
    await user.click(region or tr("Skip", reads))
    await user.click(tr("✅ Yes, send them" if subscribe else "No, thanks", reads))


async def test_greeting_speaks_both_languages(aigerim: FakeUser) -> None:
    reply = await aigerim.send("/start")
    assert "Qorgan" in reply.text
    assert "ң" in reply.text or "қ" in reply.text or "і" in reply.text  # Kazakh
    assert "Выберите язык" in reply.text or "язык" in reply.text  # Russian
    assert reply.buttons == ["🇰🇿 Қазақша", "🇷🇺 Русский"]


async def test_onboarding_in_kazakh(aigerim: FakeUser, tr: Tr, running: RunningBot) -> None:
    kk = Language.KK
    await aigerim.send("/start")
    reply = await aigerim.click("Қазақша")
    assert reply.text == tr("Who are you? This helps me pick what to show you.", kk)
    reply = await aigerim.click(tr("🧑 Teenager", kk))
    assert "Ақтөбе облысы" in reply.buttons and tr("Skip", kk) in reply.buttons
    assert len(reply.buttons) == 21
    reply = await aigerim.click("Ақтөбе облысы")
    assert "26" in reply.text
    reply = await aigerim.click(tr("✅ Yes, send them", kk))
    assert tr("All set! You can change this any time in /settings.", kk) in reply.text
    assert tr("📚 Learn", kk) in reply.buttons and tr("🆘 Get help now", kk) in reply.buttons

    async with running.app.db.transaction() as conn:
        profile = await users_repo.get(conn, aigerim.user_id)
    assert profile is not None
    assert (profile.language, profile.role, profile.region) == (kk, Role.TEEN, "aktobe")
    assert profile.subscribed and profile.onboarded


async def test_onboarding_in_russian_with_skips(
    dmitry: FakeUser, tr: Tr, running: RunningBot
) -> None:
    ru = Language.RU
    await onboard(dmitry, tr, ru, "👪 Parent", None, subscribe=False)
    async with running.app.db.transaction() as conn:
        profile = await users_repo.get(conn, dmitry.user_id)
    assert profile is not None
    assert (profile.language, profile.role, profile.region) == (ru, Role.PARENT, None)
    assert not profile.subscribed


async def test_returning_user_gets_the_menu(aigerim: FakeUser, tr: Tr) -> None:
    await onboard(aigerim, tr, Language.KK, "🧑 Teenager", "Астана", subscribe=True)
    reply = await aigerim.send("/start")
    assert reply.last.text == tr("What would you like to do?", Language.KK)
    assert tr("🧩 Quiz", Language.KK) in reply.buttons


async def test_unfinished_onboarding_starts_again(aigerim: FakeUser, tr: Tr) -> None:
    await aigerim.send("/start")
    await aigerim.click("Русский")
    reply = await aigerim.send("hello")
    assert reply.buttons == ["🇰🇿 Қазақша", "🇷🇺 Русский"]


async def test_language_follows_telegram_until_chosen(
    fake: FakeTelegram, tr: Tr, running: RunningBot
) -> None:
    kazakh = fake.user(user_id=2001, language_code="kk")
    english = fake.user(user_id=2002, language_code="en")
    reply = await kazakh.send("/privacy")
    assert (
        tr("<b>What I keep</b>", Language.KK).replace("<b>", "").replace("</b>", "") in reply.text
    )
    reply = await english.send("/privacy")
    assert (
        tr("<b>What I keep</b>", Language.RU).replace("<b>", "").replace("</b>", "") in reply.text
    )
