"""The delivery engine against a scripted sender: audiences, each error class, crashes,
quiet hours, pause and cancel."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.exc import OperationalError

from bot.db import Database
from bot.db.repositories import broadcasts as broadcasts_repository
from bot.db.repositories import broadcasts as repo
from bot.domain import Audience, BroadcastContent, BroadcastStatus, Language, Role
from bot.services.broadcaster import (
    Broadcaster,
    PermanentError,
    RetryAfterError,
    TransientError,
    UnreachableError,
)
from bot.services.broadcasts import BroadcastControl, BroadcastService
from bot.services.pacing import QuietHours, RateLimiter
from bot.services.roles import PermissionDeniedError, StaffMember, StaffRole
from bot.services.users import UserService
from tests.engines import fetch, fetch_one

NOON = dt.datetime(2026, 6, 26, 7, 0, tzinfo=dt.UTC)  # 12:00 in Astana
MIDNIGHT = dt.datetime(2026, 6, 26, 19, 0, tzinfo=dt.UTC)  # 00:00 in Astana
ALMATY = ZoneInfo("Asia/Almaty")
BOTH = BroadcastContent(text_kk="<b>Сәлем</b>", text_ru="<b>Привет</b>")

# Whoever starts or steers a broadcast: a moderator of every region.
STAFF = StaffMember(1, StaffRole.MODERATOR, None)


class ScriptedSender:
    """Records deliveries; `errors[chat_id]` is a list of exceptions raised in turn."""

    def __init__(self) -> None:
        self.delivered: list[tuple[int, Language, str]] = []
        self.errors: dict[int, list[Exception]] = {}
        self.hang_after: int | None = None  # after this many deliveries, sends hang
        self.hanging = asyncio.Event()
        self.calls = 0
        self.count_to: int | None = None  # `counted` is set after this many deliveries
        self.counted = asyncio.Event()

    async def send(self, chat_id: int, language: Language, content: BroadcastContent) -> None:
        self.calls += 1
        if self.hang_after is not None and len(self.delivered) >= self.hang_after:
            self.hanging.set()
            await asyncio.Event().wait()  # a send that never returns: the process is stuck
        queue = self.errors.get(chat_id)
        if queue:
            raise queue.pop(0)
        self.delivered.append((chat_id, language, content.text(language)))
        if self.count_to is not None and len(self.delivered) >= self.count_to:
            self.counted.set()


async def add_users(
    users: UserService, specs: Sequence[tuple[int, Language, Role, str | None]]
) -> None:
    for chat_id, language, role, region in specs:
        await users.choose_language(chat_id, language)
        await users.set_role(chat_id, role)
        await users.set_region(chat_id, region)
        await users.finish_onboarding(chat_id, subscribed=True)


@pytest.fixture
async def crowd(users: UserService) -> list[int]:
    specs = [
        (
            100 + n,
            Language.KK if n % 2 else Language.RU,
            list(Role)[n % 3],
            "astana" if n % 4 == 0 else "almaty",
        )
        for n in range(24)
    ]
    await add_users(users, specs)
    await users.set_subscribed(100, False)  # unsubscribed: never addressed
    return [chat for chat, *_ in specs if chat != 100]


def make_engine(
    db: Database,
    sender: ScriptedSender,
    *,
    rate: float | None = None,
    now: Callable[[], dt.datetime] = lambda: NOON,
    quiet: QuietHours | None = None,
    batch_size: int = 5,
) -> Broadcaster:
    return Broadcaster(
        db,
        sender,
        RateLimiter(rate),
        now=now,
        quiet_hours=quiet,
        batch_size=batch_size,
        backoff_seconds=0.01,
    )


@pytest.fixture
def service(db: Database) -> BroadcastService:
    return BroadcastService(db, lambda: NOON)


async def test_everyone_in_the_audience_gets_one_message_in_their_language(
    db: Database, service: BroadcastService, crowd: list[int]
) -> None:
    sender = ScriptedSender()
    broadcast = await service.start(BOTH, Audience(), urgent=False, actor=STAFF)
    assert broadcast is not None and broadcast.total == len(crowd)
    done = await make_engine(db, sender).deliver(broadcast.id)
    assert done is not None and done.status is BroadcastStatus.DONE
    assert sorted(chat for chat, *_ in sender.delivered) == sorted(crowd)
    assert all(
        text == ("<b>Сәлем</b>" if language is Language.KK else "<b>Привет</b>")
        for _, language, text in sender.delivered
    )
    assert (done.sent, done.failed, done.blocked, done.left) == (len(crowd), 0, 0, 0)
    # Who got what is not kept afterwards.
    assert await fetch_one(db, "SELECT COUNT(*) FROM broadcast_deliveries") == 0


async def test_audience_filters(db: Database, service: BroadcastService, crowd: list[int]) -> None:
    russian_only = BroadcastContent(text_kk=None, text_ru="Привет")
    counts = await service.audience_size(russian_only, Audience())
    assert set(counts) == {Language.RU}
    parents_in_astana = Audience(roles=frozenset({Role.PARENT}), region="astana")
    broadcast = await service.start(BOTH, parents_in_astana, urgent=False, actor=STAFF)
    sender = ScriptedSender()
    await make_engine(db, sender).deliver(broadcast.id if broadcast else 0)
    rows = await fetch(
        db,
        "SELECT chat_id FROM users WHERE role = 'parent' AND region = 'astana' AND subscribed",
    )
    expected = sorted(row[0] for row in rows)
    assert expected and sorted(c for c, *_ in sender.delivered) == expected
    broadcast = await service.start(russian_only, Audience(), urgent=False, actor=STAFF)
    sender = ScriptedSender()
    await make_engine(db, sender).deliver(broadcast.id if broadcast else 0)
    assert {language for _, language, _ in sender.delivered} == {Language.RU}


async def test_error_classes(db: Database, service: BroadcastService, crowd: list[int]) -> None:
    sender = ScriptedSender()
    retry, blocked, gone, flaky, broken, refused = crowd[:6]
    sender.errors = {
        retry: [RetryAfterError(0.3)],
        blocked: [UnreachableError("Forbidden: bot was blocked by the user")],
        gone: [UnreachableError("Bad Request: chat not found")],
        flaky: [TransientError("502"), TransientError("connection reset")],
        broken: [TransientError("500")] * 3,
        refused: [PermanentError("Bad Request: message is too long")],
    }
    broadcast = await service.start(BOTH, Audience(), urgent=False, actor=STAFF)
    assert broadcast is not None
    started = time.monotonic()
    done = await make_engine(db, sender).deliver(broadcast.id)
    assert time.monotonic() - started >= 0.3  # everyone waited out the 429
    assert done is not None
    delivered = {chat for chat, *_ in sender.delivered}
    assert retry in delivered and flaky in delivered
    assert not {blocked, gone, broken, refused} & delivered
    assert (done.blocked, done.failed) == (2, 2)
    assert done.sent == len(crowd) - 4
    rows = await fetch(db, "SELECT chat_id FROM users WHERE NOT subscribed AND chat_id != 100")
    assert sorted(row[0] for row in rows) == sorted([blocked, gone])


async def test_crash_mid_broadcast_resumes_without_misses(
    db: Database, service: BroadcastService, crowd: list[int]
) -> None:
    """At 30/s, outcomes are written within 50 ms of their answer: a process that dies
    mid-broadcast repeats at most 3 messages, and misses none."""
    broadcast = await service.start(BOTH, Audience(), urgent=False, actor=STAFF)
    assert broadcast is not None
    first = ScriptedSender()
    first.hang_after = 14  # two batches in, the next send never returns...
    engine = make_engine(db, first, rate=30, batch_size=5)
    task = asyncio.create_task(engine.deliver(broadcast.id))
    await first.hanging.wait()
    task.cancel()  # ...when the process dies
    with pytest.raises(asyncio.CancelledError):
        await task

    second = ScriptedSender()
    restarted = make_engine(db, second, batch_size=5)
    assert await restarted.recover() > 0
    done = await restarted.deliver(broadcast.id)
    assert done is not None and done.status is BroadcastStatus.DONE
    received = Counter(chat for chat, *_ in first.delivered + second.delivered)
    assert set(received) == set(crowd)  # 0 misses
    duplicates = sum(count - 1 for count in received.values())
    assert duplicates <= 3


async def test_transient_failures_wait_while_the_rest_is_served(
    db: Database, service: BroadcastService, crowd: list[int]
) -> None:
    """A 5xx does not hold the others: the failed recipient is retried after its back-off,
    once the queue moved on, and gets the message once."""
    broadcast = await service.start(BOTH, Audience(), urgent=False, actor=STAFF)
    assert broadcast is not None
    sender = ScriptedSender()
    unlucky = crowd[0]
    sender.errors[unlucky] = [TransientError("502"), TransientError("timeout")]
    engine = make_engine(db, sender, batch_size=5)
    done = await engine.deliver(broadcast.id)
    assert done is not None and done.status is BroadcastStatus.DONE
    assert done.sent == len(crowd) and done.failed == 0
    order = [chat for chat, *_ in sender.delivered]
    assert sorted(order) == sorted(crowd)
    assert order.index(unlucky) > 5  # served after others, not in its batch's place


async def claimed_rows(db: Database) -> int:
    return int(
        await fetch_one(db, "SELECT COUNT(*) FROM broadcast_deliveries WHERE state = 'claimed'")
    )


async def test_a_pause_mid_flight_leaves_nothing_claimed_and_resume_finishes(
    db: Database, service: BroadcastService, crowd: list[int]
) -> None:
    broadcast = await service.start(BOTH, Audience(), urgent=False, actor=STAFF)
    assert broadcast is not None
    sender = ScriptedSender()
    sender.count_to = 7  # mid-batch
    engine = make_engine(db, sender, rate=100, batch_size=5)
    delivery = asyncio.create_task(engine.deliver(broadcast.id))
    await sender.counted.wait()
    await service.control(broadcast.id, BroadcastControl.PAUSE, STAFF)
    paused = await delivery
    assert paused is not None and paused.status is BroadcastStatus.PAUSED
    assert await claimed_rows(db) == 0  # recorded, or back in the queue
    assert paused.sent == len(sender.delivered) < len(crowd)
    await service.control(broadcast.id, BroadcastControl.RESUME, STAFF)
    done = await engine.deliver(broadcast.id)
    assert done is not None and done.status is BroadcastStatus.DONE
    received = Counter(chat for chat, *_ in sender.delivered)
    assert set(received) == set(crowd) and max(received.values()) == 1
    assert done.sent == len(crowd)


async def test_an_outcome_write_that_fails_is_written_with_the_next(
    db: Database, service: BroadcastService, crowd: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A locked database for one group commit: its outcomes are kept and written after."""
    broadcast = await service.start(BOTH, Audience(), urgent=False, actor=STAFF)
    assert broadcast is not None
    failures = [OperationalError("UPDATE", {}, Exception("database is locked"))]
    record = broadcasts_repository.record

    async def flaky_record(*args: object, **kwargs: object) -> None:
        if failures:
            raise failures.pop()
        await record(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(broadcasts_repository, "record", flaky_record)
    sender = ScriptedSender()
    done = await make_engine(db, sender, rate=200, batch_size=5).deliver(broadcast.id)
    assert not failures  # the failure happened
    assert done is not None and done.status is BroadcastStatus.DONE
    assert done.sent == len(crowd) == len(sender.delivered)
    assert await claimed_rows(db) == 0


async def test_quiet_hours_hold_all_but_urgent(
    db: Database, service: BroadcastService, crowd: list[int]
) -> None:
    quiet = QuietHours.parse("22:00-09:00", ALMATY)
    assert quiet is not None and quiet.active(MIDNIGHT) and not quiet.active(NOON)
    normal = await service.start(BOTH, Audience(), urgent=False, actor=STAFF)
    assert normal is not None
    sender = ScriptedSender()
    engine = make_engine(db, sender, now=lambda: MIDNIGHT, quiet=quiet)
    held = await engine.deliver(normal.id)
    assert held is not None and held.status is BroadcastStatus.RUNNING and not sender.delivered
    urgent = await service.start(BOTH, Audience(), urgent=True, actor=STAFF)
    assert urgent is not None
    await engine.deliver(urgent.id)
    assert len(sender.delivered) == len(crowd)
    assert quiet.ends_after(MIDNIGHT).astimezone(ALMATY).hour == 9


async def test_pause_resume_cancel(
    db: Database, service: BroadcastService, crowd: list[int]
) -> None:
    broadcast = await service.start(BOTH, Audience(), urgent=False, actor=STAFF)
    assert broadcast is not None
    await service.control(broadcast.id, BroadcastControl.PAUSE, STAFF)
    sender = ScriptedSender()
    engine = make_engine(db, sender)
    await engine.deliver(broadcast.id)
    assert sender.delivered == []
    await service.control(broadcast.id, BroadcastControl.RESUME, STAFF)
    await service.control(broadcast.id, BroadcastControl.CANCEL, STAFF)
    await engine.deliver(broadcast.id)
    assert sender.delivered == []
    final = await service.get(broadcast.id)
    assert final.status is BroadcastStatus.CANCELLED and final.finished_at is not None


async def test_rate_limit_paces_sends(
    db: Database, service: BroadcastService, crowd: list[int]
) -> None:
    broadcast = await service.start(BOTH, Audience(), urgent=False, actor=STAFF)
    assert broadcast is not None
    sender = ScriptedSender()
    started = time.monotonic()
    await make_engine(db, sender, rate=100, batch_size=100).deliver(broadcast.id)
    elapsed = time.monotonic() - started
    assert len(sender.delivered) == len(crowd)
    assert elapsed >= (len(crowd) - 1) / 100 * 0.9


async def test_the_idempotency_key_sends_once(
    db: Database, service: BroadcastService, crowd: list[int]
) -> None:
    first = await service.start(
        BOTH, Audience(), urgent=False, actor=None, idempotency_key="campaign:x:2026-06-26T11:00"
    )
    again = await service.start(
        BOTH, Audience(), urgent=False, actor=None, idempotency_key="campaign:x:2026-06-26T11:00"
    )
    assert first is not None and again is None
    async with db.transaction() as conn:
        assert len(await repo.with_status(conn, BroadcastStatus.RUNNING)) == 1


async def test_the_service_checks_who_starts_and_steers_a_broadcast(
    service: BroadcastService,
) -> None:
    """Whatever a handler checked: a volunteer broadcasts nothing, a regional moderator only
    to their region, and steers only their region's broadcasts."""
    volunteer = StaffMember(2, StaffRole.VOLUNTEER, None)
    astana_moderator = StaffMember(3, StaffRole.MODERATOR, "astana")
    with pytest.raises(PermissionDeniedError):
        await service.start(BOTH, Audience(), urgent=False, actor=volunteer)
    with pytest.raises(PermissionDeniedError):
        await service.start(BOTH, Audience(), urgent=False, actor=astana_moderator)
    mine = await service.start(
        BOTH, Audience(region="astana"), urgent=False, actor=astana_moderator
    )
    everyone = await service.start(BOTH, Audience(), urgent=False, actor=STAFF)
    assert mine is not None and everyone is not None
    with pytest.raises(PermissionDeniedError):
        await service.control(everyone.id, BroadcastControl.PAUSE, astana_moderator)
    paused = await service.control(mine.id, BroadcastControl.PAUSE, astana_moderator)
    assert paused.status.value == "paused"


async def test_outcomes_written_twice_count_once(
    db: Database, service: BroadcastService, crowd: list[int]
) -> None:
    """A flush whose COMMIT went through while it was being cancelled is written again by the
    next flush: the counts must not grow twice."""
    broadcast = await service.start(BOTH, Audience(), urgent=False, actor=STAFF)
    assert broadcast is not None
    async with db.transaction() as conn:
        claimed = await repo.claim(conn, broadcast.id, 3)
    outcomes = [(chat_id, "sent", None) for chat_id, _ in claimed]
    for _ in range(2):
        async with db.transaction() as conn:
            await repo.record(conn, broadcast.id, outcomes)
    after = await service.get(broadcast.id)
    assert after.sent == 3


async def test_a_finished_broadcast_is_one_log_line_of_counts(
    db: Database, service: BroadcastService, crowd: list[int], caplog: pytest.LogCaptureFixture
) -> None:
    broadcast = await service.start(BOTH, Audience(), urgent=False, actor=STAFF)
    assert broadcast is not None
    with caplog.at_level(logging.INFO, logger="bot.services.broadcaster"):
        await make_engine(db, ScriptedSender()).deliver(broadcast.id)
    lines = [r.getMessage() for r in caplog.records]
    total = len(crowd)
    assert f"Broadcast {broadcast.id} done: {total} sent, 0 failed, 0 blocked of {total}" in lines
    assert not any(str(chat_id) in line for line in lines for chat_id in crowd)
