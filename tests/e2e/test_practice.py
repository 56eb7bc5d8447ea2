"""/practice end to end: a simulation played like a chat, the anonymous check around a first
run, what each answer did, stale buttons, and counters that reach the database only with five
people's answers and never with anyone's chat."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable

import pytest
from fake_telegram import FakeTelegram, FakeUser, UploadedFile

from bot.domain import Language
from bot.keyboards.callbacks import PracticeChoice
from bot.services.content import Library
from bot.services.content.models import Simulation
from tests.e2e.conftest import RunningBot, count_rows
from tests.e2e.test_onboarding import onboard
from tests.engines import fetch

pytestmark = pytest.mark.shared_state
Tr = Callable[[str, Language | str], str]
RU, KK = Language.RU, Language.KK


@pytest.fixture(autouse=True)
def quick_typing(running: RunningBot) -> None:
    """A real pause is 1.2 s per message; tests keep the "typing…" and shorten the wait. And
    no answer is randomised (randomised response), so that the figures can be checked."""
    running.app.services.practice.typing_seconds = 0.01
    running.app.services.practice.rng = NeverRandom()


class NeverRandom(random.Random):
    def random(self) -> float:
        return 1.0


def simulation(library: Library, simulation_id: str) -> Simulation:
    found = library.simulation(simulation_id)
    assert found is not None
    return found


async def answer_check(user: FakeUser, values: tuple[int, ...]) -> None:
    for value in values:
        await user.click(str(value))


async def test_a_teen_rehearses_a_recruiters_chat_with_the_check_around_it(
    dmitry: FakeUser, tr: Tr, library: Library, fake: FakeTelegram, running: RunningBot
) -> None:
    await onboard(dmitry, tr, RU, "🧑 Teenager", None, subscribe=False)
    sim = simulation(library, "easy_money_chat")
    reply = await dmitry.send("/practice")
    title = f"{sim.emoji} {sim.title.ru}"
    assert title in reply.buttons
    assert all(s.title.ru not in reply.text for s in library.simulations if s.audience != "teen")
    reply = await dmitry.click(title)
    assert sim.intro.ru in reply.text
    teen = library.instrument("teen")
    assert teen is not None and teen.items[0].question.ru in reply.text
    assert [str(n) for n in range(1, 6)] == reply.buttons[:5]
    typing_before = len(fake.calls_to("sendChatAction"))
    await answer_check(dmitry, (4, 5))
    reply = await dmitry.click("1")  # the last question: the chat begins
    first = sim.steps[0]
    assert first.says[-1].ru in dmitry.messages[-1].text
    assert sim.persona.ru in dmitry.messages[-1].text
    assert [c.text.ru for c in first.choices] == reply.buttons
    assert len(fake.calls_to("sendChatAction")) - typing_before == len(first.says)
    reply = await dmitry.click(first.choices[0].text.ru)  # "What do I have to do?"
    documents = sim.steps[sim.index_of("documents")]
    assert documents.says[-1].ru in reply.text
    reply = await dmitry.click(documents.choices[1].text.ru)  # stop, keep the evidence
    ending = sim.steps[sim.index_of("stopped_with_evidence")]
    assert any(ending.says[0].ru in m.text for m in dmitry.messages[-4:])
    # What each answer did comes at once; then the same questions after the practice.
    assert tr("<b>What your answers did</b>", RU).removeprefix("<b>").removesuffix("</b>") in (
        reply.text
    )
    assert first.choices[0].why.ru in reply.text and documents.choices[1].why.ru in reply.text
    assert "⚠️" in reply.text and "✅" in reply.text
    assert tr("Now the same questions once more, after the practice. Also anonymous.", RU) in (
        reply.text
    )
    await answer_check(dmitry, (5, 5))
    reply = await dmitry.click("1")
    assert tr("Thank you! You can play it again, or choose another situation.", RU) in reply.text
    assert tr("🕵️ Report anonymously", RU) in reply.buttons
    reply = await dmitry.click(tr("🕵️ Report anonymously", RU))
    assert tr("What do you want to report?", RU) in reply.text
    # Counted once, with no link to the person: nothing written yet (fewer than five people).
    assert await count_rows(running, "SELECT runs FROM practice_runs") == 1
    assert await count_rows(running, "SELECT COUNT(*) FROM practice_choices") == 0
    assert running.app.services.practice.tally.people(f"{sim.id}:started") == 1


async def test_a_later_run_skips_the_check_and_an_old_reply_button_says_it_is_out_of_date(
    aigerim: FakeUser, tr: Tr, library: Library
) -> None:
    await onboard(aigerim, tr, KK, "🧑 Teenager", None, subscribe=False)
    sim = simulation(library, "party_offer")
    title = f"{sim.emoji} {sim.title.kk}"
    await aigerim.send("/practice")
    await aigerim.click(title)
    await aigerim.click(tr("Skip ➡️", KK))  # no check this time
    first = sim.steps[0]
    reply = await aigerim.click(first.choices[1].text.kk)  # "OK, a little"
    assert any(sim.steps[sim.index_of("tried")].says[0].kk in m.text for m in aigerim.messages)
    assert first.choices[1].why.kk in reply.text and "⚠️" in reply.text
    reply = await aigerim.click(tr("Skip ➡️", KK))  # the check after: skipped too
    reply = await aigerim.click(tr("🔁 Try again", KK))
    assert sim.intro.kk in reply.text
    offered = aigerim.messages[-1]
    assert [[c.text.kk] for c in first.choices] == offered.buttons
    await aigerim.click(first.choices[0].text.kk)  # a second run: no check after
    chosen = next(m for m in aigerim.messages if m.message_id == offered.message_id)
    assert chosen.buttons == [] and first.choices[0].text.kk in chosen.text  # buttons go
    pushes = sim.steps[sim.index_of("pushes")]
    reply = await aigerim.click(pushes.choices[2].text.kk)  # walk away
    assert pushes.choices[2].why.kk in reply.text
    after = tr("Now the same questions once more, after the practice. Also anonymous.", KK)
    assert after not in reply.text
    # An old reply (a second device, a forged press) is answered, and changes nothing.
    data = PracticeChoice(simulation=sim.id, step=0, choice=1).pack()
    stale = await aigerim.click_data(offered.message_id, data)
    assert stale.callback_answer is not None and stale.callback_answer.text
    assert not any(first.choices[1].why.kk in m.text for m in aigerim.messages[-2:])


async def test_counters_reach_the_database_with_five_people_and_never_a_chat(
    fake: FakeTelegram, tr: Tr, library: Library, running: RunningBot
) -> None:
    sim = simulation(library, "late_evening")
    people = [fake.user(user_id=7_700_000 + n, language_code="ru") for n in range(5)]
    for number, person in enumerate(people):
        await onboard(person, tr, RU, "👪 Parent", "Астана", subscribe=False)
        await person.send("/practice")
        await person.click(f"{sim.emoji} {sim.title.ru}")
        await answer_check(person, (2, 3, 3))
        await person.click(sim.steps[0].choices[1].text.ru)  # warm welcome
        opens = sim.steps[sim.index_of("opens")]
        await person.click(opens.choices[1].text.ru)
        tells = sim.steps[sim.index_of("tells")]
        await person.click(tells.choices[0].text.ru)
        if number < 4:
            await answer_check(person, (4, 4, 5))
            assert await count_rows(running, "SELECT COUNT(*) FROM evaluation_answers") == 0
        else:
            await answer_check(person, (4, 4, 5))
    choices = await fetch(running.app.db, "SELECT * FROM practice_choices")
    answers = await fetch(running.app.db, "SELECT * FROM evaluation_answers")
    assert choices and answers
    safe = "SELECT SUM(count) FROM practice_choices WHERE safe IS true AND simulation_id = ?"
    # Each stream is written once five people have added to it: five finished runs (three
    # safe moves each), five answers before and five after to each question.
    assert await count_rows(running, safe, sim.id) == 15
    pre = "SELECT SUM(count) FROM evaluation_answers WHERE phase = 'pre' AND item_id = 'talk'"
    assert await count_rows(running, pre) == 5
    assert running.app.services.practice.tally.people(f"{sim.id}:finished") == 0
    ids = {str(p.user_id) for p in people}
    for row in [*choices, *answers, *await fetch(running.app.db, "SELECT * FROM practice_counts")]:
        assert not ids & {str(value) for value in row}


async def test_stats_show_what_practice_changed_and_export_it_as_csv(
    fake: FakeTelegram, tr: Tr, library: Library, owner: FakeUser, running: RunningBot
) -> None:
    sim = simulation(library, "late_evening")
    for number in range(9):
        person = fake.user(user_id=7_800_000 + number, language_code="ru")
        await onboard(person, tr, RU, "👪 Parent", "Астана", subscribe=False)
        await person.send("/practice")
        await person.click(f"{sim.emoji} {sim.title.ru}")
        await answer_check(person, (2, 2, 3))
        await person.click(sim.steps[0].choices[2].text.ru)  # "go to bed"
        await person.click(sim.steps[sim.index_of("shrug")].choices[1].text.ru)  # silence
        await answer_check(person, (3, 4, 4))
    await owner.send("/stats")
    text = "\n".join(m.text for m in owner.messages[-4:])
    assert (
        tr("🎭 <b>Practice: did it change anything?</b>", RU).replace("<b>", "").replace("</b>", "")
        in text
    )
    assert sim.title.ru in text
    # Written once five people had added to each stream (the other four wait in memory):
    # five finished first runs, none with a safe choice, a share that is not shown ("0%"
    # would say what each of the five chose); the parents' confidence went from 2 to 4 as
    # answered, shown corrected for randomised response (2 → 1.7, 4 → 4.3).
    assert "0%" not in text
    assert "1.7 (n=5) → " in text and "4.3 (n=5)" in text
    photos = [c.params.get("caption") for c in fake.calls_to("sendPhoto")]
    assert tr("Before and after practice", RU) in photos
    await owner.send("/stats export")
    document = fake.calls_to("sendDocument")[-1].params["document"]
    assert isinstance(document, UploadedFile)
    rows = list(csv.DictReader(io.StringIO(document.data.decode("utf-8"))))
    talk = [r for r in rows if r["item"] == "talk" and r["role"] == "all"]
    assert {r["indicator"]: r["value"] for r in talk} == {
        "mean_before": "1.7",
        "mean_after": "4.3",
        "change": "2.7",
    }
    finished = next(r for r in rows if r["indicator"] == "first_runs_finished")
    assert finished["subject"] == sim.id and finished["value"] == "5"
    assert all(not value.startswith(("=", "+", "@")) for row in rows for value in row.values())


async def test_words_typed_during_a_simulation_get_a_hint_not_the_menu(
    dmitry: FakeUser, tr: Tr, library: Library
) -> None:
    await onboard(dmitry, tr, RU, "🧑 Teenager", None, subscribe=False)
    sim = simulation(library, "party_offer")
    await dmitry.send("/practice")
    await dmitry.click(f"{sim.emoji} {sim.title.ru}")
    await dmitry.click(tr("Skip ➡️", RU))
    reply = await dmitry.send("нет, спасибо")
    hint = "In practice you answer with the buttons under the last message. To leave, send /cancel."
    assert reply.text == tr(hint, RU)
    reply = await dmitry.click(sim.steps[0].choices[0].text.ru)  # the buttons still work
    assert sim.steps[sim.index_of("pushes")].says[0].ru in reply.text
