"""SIGKILL during onboarding: a step the user saw answered is in the database, no step is
invented, the database is intact, and after a restart everyone finishes onboarding."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

from fake_telegram import FakeTelegram, FakeUser
from fake_telegram.activity import Wait

from bot.domain import Language
from tests.crash.conftest import BotProcess, CrashLog, assert_intact, query, seeded, tr

KK, RU = Language.KK, Language.RU
KILLS = 3
LANGUAGES = (KK, RU, RU, KK)
REGION_NAME, REGION_CODE = "Астана", "astana"
GREETING_BUTTON = {KK: "🇰🇿 Қазақша", RU: "🇷🇺 Русский"}
ROLE_QUESTION = "Who are you? This helps me pick what to show you."
REGION_QUESTION = (
    "Which region are you in? Moderators see how prevention works in each region, counted"
    " without names. You can skip this."
)
SUBSCRIBE_QUESTION = (
    "Would you like a few messages a month, for example on 26 June, the International "
    "Day against Drug Abuse? You can turn them off any time with /stop."
)
ALL_SET = "All set! You can change this any time in /settings."
DONE = 5
# Steps: 0 nothing, 1 greeting shown, 2 role asked (language saved), 3 region asked (role
# saved), 4 subscription asked (region saved), 5 all set (onboarded).
WAIT_IN_FLIGHT = 90.0  # an action interrupted by the kill settles after the restart


def seen_step(fake: FakeTelegram, user: FakeUser, language: Language) -> int:
    """The furthest step the user has seen the bot answer (from everything shown, edits
    included, so a later edit cannot hide it)."""
    step = 0
    for action in fake.actions_since(0, user.chat_id):
        text = action.text
        if tr(ALL_SET, language) in text:
            step = max(step, 5)
        elif tr(SUBSCRIBE_QUESTION, language) in text:
            step = max(step, 4)
        elif tr(REGION_QUESTION, language) in text:
            step = max(step, 3)
        elif tr(ROLE_QUESTION, language) in text:
            step = max(step, 2)
        elif any(GREETING_BUTTON[KK] in row for row in action.buttons):
            step = max(step, 1)
    return step


def stored_step(database: Path | str, user: FakeUser, language: Language) -> int:
    """The step the database holds for the user (1: nothing stored yet)."""
    rows = query(
        database,
        "SELECT language, role, region, subscribed, onboarded FROM users WHERE chat_id = ?",
        (user.chat_id,),
    )
    if not rows:
        return 1
    stored_language, role, region, subscribed, onboarded = rows[0]
    assert stored_language == language.value
    if onboarded:
        assert (role, region, subscribed) == ("teen", REGION_CODE, 1)
        return 5
    if region is not None:
        assert region == REGION_CODE and role == "teen"
        return 4
    return 3 if role is not None else 2


async def take_step(user: FakeUser, language: Language, step: int, patience: float) -> None:
    """The user's next action when the bot last showed `step`."""
    wait: Wait = {"timeout": patience}
    if step == 0:
        await user.send("/start", **wait)
    elif step == 1:
        await user.click(GREETING_BUTTON[language], **wait)
    elif step == 2:
        await user.click(tr("🧑 Teenager", language), **wait)
    elif step == 3:
        await user.click(REGION_NAME, **wait)
    elif step == 4:
        await user.click(tr("✅ Yes, send them", language), **wait)


async def test_sigkill_between_onboarding_questions(
    fake: FakeTelegram, bot: BotProcess, crash_log: CrashLog
) -> None:
    rng = seeded(1)
    users = [
        (fake.user(user_id=31_000 + n, language_code=language.value), language)
        for n, language in enumerate(LANGUAGES)
    ]

    async def walk(user: FakeUser, language: Language, steps: int) -> None:
        for _ in range(steps):
            step = seen_step(fake, user, language)
            if step == DONE:
                return
            await take_step(user, language, step, patience=20)

    async def one_more(user: FakeUser, language: Language) -> None:
        step = seen_step(fake, user, language)
        if step < DONE:
            await take_step(user, language, step, patience=WAIT_IN_FLIGHT)

    presses: Counter[str] = Counter()
    await bot.start()
    for kill in range(1, KILLS + 1):
        # Each user answers 0-2 questions and sees each answer...
        await asyncio.gather(*(walk(u, lang, rng.randint(0, 2)) for u, lang in users))
        # ...then most press one more button, and the process dies a few ms later.
        seen_before_press = {u.chat_id: seen_step(fake, u, lang) for u, lang in users}
        in_flight = {
            u.chat_id: asyncio.create_task(one_more(u, lang))
            for u, lang in users
            if seen_step(fake, u, lang) < DONE and rng.random() < 0.75
        }
        delay = rng.uniform(0.0, 0.06)
        await asyncio.sleep(delay)
        await bot.kill()

        assert_intact(bot.database)
        seen_at_kill = {}
        states = []
        for user, language in users:
            seen = seen_step(fake, user, language)
            stored = stored_step(bot.database, user, language)
            # Acknowledged steps are durable; nothing beyond the one press in flight is stored.
            assert max(seen, 1) <= stored <= max(seen, 1) + 1, (user, seen, stored)
            seen_at_kill[user.chat_id] = seen
            pressing = " +press" if user.chat_id in in_flight else ""
            states.append(f"{language.value}:{seen}/{stored}{pressing}")

        await bot.start()
        await asyncio.gather(*in_flight.values())
        for user, language in users:
            # The restart keeps every step the user saw before the kill.
            assert stored_step(bot.database, user, language) >= max(seen_at_kill[user.chat_id], 1)
            if user.chat_id in in_flight:
                # The press in flight: answered before the kill, answered by the next
                # process, or lost (confirmed to Telegram by the dead one, never answered).
                pressed_at = seen_before_press[user.chat_id]
                if seen_at_kill[user.chat_id] > pressed_at:
                    presses["answered before the kill"] += 1
                elif seen_step(fake, user, language) > pressed_at:
                    presses["answered after the restart"] += 1
                else:
                    presses["lost, pressed again"] += 1
        crash_log.add(
            f"kill {kill} after {delay * 1000:.0f} ms (seen/stored step per user: "
            f"{' '.join(states)})",
            "integrity ok, acknowledged steps kept, resumed",
        )

    # After the last restart everyone finishes where they left off.
    await asyncio.gather(*(walk(u, lang, DONE) for u, lang in users))
    for user, language in users:
        assert seen_step(fake, user, language) == DONE
        assert stored_step(bot.database, user, language) == DONE
        reply = await user.send("/start")
        assert tr("What would you like to do?", language) in reply.text
    assert await bot.terminate() == 0
    assert_intact(bot.database)
    assert bot.starts == KILLS + 1
    crash_log.add(
        f"{sum(presses.values())} presses in flight at the kills",
        ", ".join(f"{n} {what}" for what, n in sorted(presses.items())),
    )
