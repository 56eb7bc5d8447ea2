"""Who may do what: every staff command and tip action for a stranger, a volunteer, a regional
moderator, a moderator and an owner; invite links; the audit trail; statistics."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fake_telegram import FakeGroup, FakeTelegram, FakeUser
from fake_telegram.spec import UploadedFile

from bot.domain import Language, TipCategory, TipDraftData, TipStatus
from bot.keyboards.callbacks import TipSetStatus
from bot.services.links import normalise
from bot.services.roles import StaffRole
from tests.e2e.conftest import OWNER_ID, RunningBot
from tests.e2e.test_onboarding import onboard

Tr = Callable[[str, Language | str], str]
RU = Language.RU
VOLUNTEER, REGIONAL, MODERATOR, STRANGER = 9101, 9102, 9103, 9104
STAFF_COMMANDS = (
    "/admin",
    "/tips",
    "/export",
    "/stats",
    "/broadcast",
    "/broadcasts",
    "/campaigns",
    "/audit",
    "/addstaff",
)
# What each role may run; anything else must look exactly like an unknown command, except
# that staff asking for an owner's command of their menu are told it is for owners.
ALLOWED = {
    "stranger": set(),
    "volunteer": {"/admin", "/tips"},
    "regional": set(STAFF_COMMANDS) - {"/audit", "/addstaff"},
    "moderator": set(STAFF_COMMANDS) - {"/audit", "/addstaff"},
    "owner": set(STAFF_COMMANDS),
}


OWNERS_SAY_SO = {
    "volunteer": {"/addstaff"},
    "regional": {"/audit", "/addstaff"},
    "moderator": {"/audit", "/addstaff"},
}


@pytest.fixture
async def team(
    fake: FakeTelegram, running: RunningBot, tr: Tr, moderators_chat: FakeGroup
) -> dict[str, FakeUser]:
    roles = running.app.services.roles
    await roles.add(OWNER_ID, VOLUNTEER, StaffRole.VOLUNTEER, "almaty")
    await roles.add(OWNER_ID, REGIONAL, StaffRole.MODERATOR, "astana")
    await roles.add(OWNER_ID, MODERATOR, StaffRole.MODERATOR, None)
    people = {
        "stranger": fake.user(user_id=STRANGER, language_code="ru"),
        "volunteer": fake.user(user_id=VOLUNTEER, language_code="ru"),
        "regional": fake.user(user_id=REGIONAL, language_code="ru"),
        "moderator": fake.user(user_id=MODERATOR, language_code="ru"),
        "owner": fake.user(user_id=OWNER_ID, language_code="ru"),
    }
    for person in people.values():
        await onboard(person, tr, RU, "👪 Parent", None, subscribe=False)
    return people


@pytest.mark.parametrize("role", list(ALLOWED))
async def test_staff_commands_by_role(team: dict[str, FakeUser], role: str, tr: Tr) -> None:
    user = team[role]
    unknown = (await user.send("/frobnicate")).text
    for command in STAFF_COMMANDS:
        reply = await user.send(command)
        await user.send("/cancel")  # leave a composer the command may have opened
        if command in ALLOWED[role]:
            assert reply.text and reply.text != unknown, (role, command)
        elif command not in OWNERS_SAY_SO.get(role, set()):
            assert reply.text == unknown, (role, command)
        else:
            assert "owner" in reply.text.lower() or "влад" in reply.text.lower(), (role, command)


async def add_tip(running: RunningBot, category: TipCategory, region: str) -> int:
    draft = TipDraftData(
        category=category,
        region=region,
        address="Абая 10",
        links=(normalise("t.me/shop_x"),) if category is TipCategory.CHANNEL else (),
    )
    tips = running.app.services.tips
    tip_id = (await tips.submit(draft)).tip.id
    await tips.notice_posted(tip_id)  # as the notifier does after the random delay
    return tip_id


async def status_of(running: RunningBot, tip_id: int) -> TipStatus:
    return (await running.app.services.tips.view(tip_id)).tip.status


@pytest.mark.parametrize(
    ("role", "category", "region", "status", "allowed"),
    [
        ("stranger", TipCategory.WALL_ADVERT, "almaty", TipStatus.PAINTED, False),
        ("volunteer", TipCategory.WALL_ADVERT, "almaty", TipStatus.PAINTED, True),
        ("volunteer", TipCategory.WALL_ADVERT, "almaty", TipStatus.REJECTED, False),
        ("volunteer", TipCategory.WALL_ADVERT, "astana", TipStatus.PAINTED, False),
        ("volunteer", TipCategory.CHANNEL, "almaty", TipStatus.IN_REVIEW, False),
        ("regional", TipCategory.CHANNEL, "astana", TipStatus.IN_REVIEW, True),
        ("regional", TipCategory.CHANNEL, "almaty", TipStatus.IN_REVIEW, False),
        ("moderator", TipCategory.CHANNEL, "almaty", TipStatus.IN_REVIEW, True),
        ("owner", TipCategory.STASH, "shymkent", TipStatus.REJECTED, True),
    ],
)
async def test_tip_actions_by_role(
    team: dict[str, FakeUser],
    running: RunningBot,
    role: str,
    category: TipCategory,
    region: str,
    status: TipStatus,
    allowed: bool,
) -> None:
    tip_id = await add_tip(running, category, region)
    user = team[role]
    menu = (await user.send("/help")).last
    forged = TipSetStatus(tip=tip_id, status=status).pack()
    reply = await user.click_data(menu.message_id or 0, forged)
    assert reply.callback_answer is not None  # every button press is answered
    assert (await status_of(running, tip_id) is status) is allowed


async def test_volunteer_queue_shows_wall_adverts_of_their_region(
    team: dict[str, FakeUser], running: RunningBot, tr: Tr
) -> None:
    await add_tip(running, TipCategory.WALL_ADVERT, "almaty")
    await add_tip(running, TipCategory.WALL_ADVERT, "astana")
    await add_tip(running, TipCategory.CHANNEL, "almaty")
    reply = await team["volunteer"].send("/tips")
    assert (
        tr("<b>Tips</b>: {count} found", RU).format(count=1).replace("<b>", "").replace("</b>", "")
        in reply.text
    )
    reply = await team["volunteer"].click(next(b for b in reply.buttons if "#" in b))
    assert reply.buttons[0] == tr("🎨 Painted over", RU)
    reply = await team["volunteer"].click(tr("🎨 Painted over", RU))
    assert tr("Status: {status}", RU).format(status=tr("🎨 Painted over", RU)) in reply.text


async def test_an_owner_builds_the_team_with_invite_links(
    fake: FakeTelegram, running: RunningBot, tr: Tr, moderators_chat: FakeGroup
) -> None:
    owner = fake.user(user_id=OWNER_ID, language_code="ru")
    reply = await owner.send("/admin")
    await owner.click(tr("➕ Invite a moderator", RU))
    reply = await owner.click("Астана")
    link = re.search(r"https://t\.me/qorgan_test_bot\?start=(inv_[\w-]+)", reply.text)
    assert link, reply.text
    newcomer = fake.user(user_id=9200, language_code="ru")
    reply = await newcomer.send(f"/start {link.group(1)}")
    assert "/admin" in reply.text
    member = await running.app.services.roles.member(9200)
    assert member is not None and (member.role, member.region) == (StaffRole.MODERATOR, "astana")
    # Single use, and a wrong token is refused the same way.
    latecomer = fake.user(user_id=9201, language_code="ru")
    invalid = tr("This invite link is not valid: it may have expired or been used already.", RU)
    assert (await latecomer.send(f"/start {link.group(1)}")).text == invalid
    assert (await latecomer.send("/start inv_forged")).text == invalid
    assert await running.app.services.roles.member(9201) is None
    # The owner sees the team and removes the newcomer; their staff commands vanish.
    await owner.send("/admin")
    reply = await owner.click(tr("👥 Team", RU))
    assert "9200" in reply.text
    await owner.click(tr("❌ Remove {id}", RU).format(id=9200))
    assert await running.app.services.roles.member(9200) is None
    await onboard(newcomer, tr, RU, "👪 Parent", None, subscribe=False)
    unknown = (await newcomer.send("/frobnicate")).text
    assert (await newcomer.send("/tips")).text == unknown
    reply = await owner.send("/audit")
    for action in ("staff.invite", "staff.join", "staff.remove"):
        assert action in reply.text
    reply = await owner.send("/audit 9200")
    assert "staff.join" in reply.text and "staff.invite" not in reply.text


async def test_add_staff_by_id(
    fake: FakeTelegram, running: RunningBot, tr: Tr, moderators_chat: FakeGroup
) -> None:
    owner = fake.user(user_id=OWNER_ID, language_code="ru")
    reply = await owner.send("/addstaff 9300 volunteer almaty")
    assert "9300" in reply.text
    member = await running.app.services.roles.member(9300)
    assert member is not None and member.role is StaffRole.VOLUNTEER
    reply = await owner.send("/addstaff nobody moderator")
    assert "/addstaff" in reply.text
    assert await running.app.services.roles.member(0) is None


async def test_statistics_with_small_cells_and_a_chart(
    fake: FakeTelegram, running: RunningBot, tr: Tr, moderators_chat: FakeGroup
) -> None:
    for n in range(6):
        person = fake.user(user_id=9400 + n, language_code="kk" if n < 5 else "ru")
        await onboard(
            person, tr, Language.KK if n < 5 else RU, "🧑 Teenager", "Астана", subscribe=True
        )
    owner = fake.user(user_id=OWNER_ID, language_code="ru")
    reply = await owner.send("/stats")
    overview = reply.messages[0].text
    assert "<5" in overview  # one Russian speaker: suppressed
    assert "🇰🇿 Қазақша: 5" in overview
    photos = fake.calls_to("sendPhoto")
    assert photos
    image = photos[-1].params["photo"]
    assert isinstance(image, UploadedFile)
    assert image.data.startswith(b"\x89PNG\r\n\x1a\n") and 10_000 < len(image.data) < 500_000
    # A regional moderator sees their region only.
    await running.app.services.roles.add(OWNER_ID, 9500, StaffRole.MODERATOR, "almaty")
    regional = fake.user(user_id=9500, language_code="ru")
    reply = await regional.send("/stats")
    assert "Алматы" in reply.messages[0].text and "🇰🇿 Қазақша: 5" not in reply.messages[0].text
