"""The anonymous tally of practice: batches of five people per simulation, one week, and a
region or role only where five of the batch share it."""

from __future__ import annotations

import datetime as dt

from bot.domain import Language, Profile, Role
from bot.services.practice import ANSWERS, AnonymousTally

WEEK = dt.date(2026, 6, 22)


def person(chat_id: int, region: str | None, role: Role = Role.TEEN) -> Profile:
    return Profile(chat_id, Language.RU, role, region, False, True, WEEK)


def answer(
    tally: AnonymousTally, who: Profile, subject: str = "party_offer", value: int = 5
) -> None:
    tally.add(subject, ANSWERS, (("teen", subject, "pre", "intention", value), ()), who)


def test_a_batch_waits_for_five_people_of_one_simulation() -> None:
    tally = AnonymousTally()
    for chat_id in range(4):
        answer(tally, person(chat_id, "astana"))
        answer(tally, person(chat_id, "astana"), subject="easy_money_chat")  # another simulation
    answer(tally, person(0, "astana"))  # the same person again is not a fifth
    assert not tally.ready("party_offer") and tally.people("party_offer") == 4
    answer(tally, person(4, "astana"))
    assert tally.ready("party_offer") and not tally.ready("easy_money_chat")


def test_a_region_shared_by_fewer_than_five_of_the_batch_is_not_written() -> None:
    tally = AnonymousTally()
    for chat_id in range(5):
        answer(tally, person(chat_id, "astana"))
    for chat_id in range(5, 10):  # five more, none of them sharing a region with four others
        answer(tally, person(chat_id, "abai" if chat_id == 5 else None), value=1)
    counts = tally.take("party_offer", WEEK)[ANSWERS]
    assert counts == {
        ("teen", "party_offer", "pre", "intention", 5, "teen", "astana", WEEK): 5,
        ("teen", "party_offer", "pre", "intention", 1, "teen", "", WEEK): 5,
    }
    assert tally.people("party_offer") == 0  # forgotten once taken


def test_one_person_left_without_a_region_is_not_told_apart_by_elimination() -> None:
    """Five from Astana and one from Abai: writing "Astana" would leave the unnamed row to
    the one person from Abai, whom the users table names. So no region is written at all."""
    tally = AnonymousTally()
    for chat_id in range(5):
        answer(tally, person(chat_id, "astana"))
    answer(tally, person(5, "abai"), value=1)
    counts = tally.take("party_offer", WEEK)[ANSWERS]
    assert counts == {
        ("teen", "party_offer", "pre", "intention", 5, "teen", "", WEEK): 5,
        ("teen", "party_offer", "pre", "intention", 1, "teen", "", WEEK): 1,
    }


def test_a_role_shared_by_fewer_than_five_is_not_written_either() -> None:
    tally = AnonymousTally()
    for chat_id in range(5):
        answer(tally, person(chat_id, None))
    answer(tally, person(9, None, Role.TEACHER))
    keys = set(tally.take("party_offer", WEEK)[ANSWERS])
    # The one teacher would be the only row without a role: no role is written at all.
    assert {key[5] for key in keys} == {""} and all(key[7] == WEEK for key in keys)
