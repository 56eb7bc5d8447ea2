"""Cluster mode survives what a national service meets (issue 16): a replica killed with
SIGKILL during a burst of updates, the active worker killed during a broadcast, and a report
whose updates reach different replicas. PostgreSQL and Redis are real servers; replicas and
workers are `python -m bot` processes; the fake Bot API delivers by webhook, retrying what was
not answered 2xx, through a round-robin proxy."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from fake_telegram import FakeTelegram

from bot.domain import BroadcastContent, Language, TipCategory
from bot.i18n import create_i18n
from tests.cluster.harness import MODERATOR_CHAT_ID, Cluster
from tests.crash.conftest import Deliveries, prepare_database, start_broadcast
from tests.e2e.test_report import CATEGORY_LABELS, RECEIPT

RU = Language.RU
BURST = 300
AUDIENCE = 450
I18N = create_i18n()


def tr(msgid: str) -> str:
    return I18N.gettext(msgid, locale=RU.value)


def replies(fake: FakeTelegram) -> Counter[int]:
    return Counter(int(call.params["chat_id"]) for call in fake.calls_to("sendMessage"))


async def test_a_replica_killed_during_a_burst_loses_nothing_and_handles_nothing_twice(
    cluster: Cluster, fake: FakeTelegram
) -> None:
    """Each update is handled to its end exactly once. An update the killed replica was in
    the middle of is handled again, in full, by the other replica: if its reply had left
    before the kill, that reply arrives twice (Telegram has no idempotency key to stop it);
    no other update is answered twice."""
    await cluster.start()
    people = [fake.user(user_id=3_000_000 + n, language_code="ru") for n in range(BURST)]
    updates = [person.send_nowait("/start") for person in people]

    def done() -> int:
        return sum(fake.updates.settled(u) for u in updates)

    await cluster.wait_for(lambda: done() >= BURST // 4, "a quarter of the burst")
    await cluster.nodes["replica-0"].kill()
    killed_at = done()
    await cluster.wait_for(lambda: done() == BURST, "the whole burst", within=120)
    answered = replies(fake)
    by_update = {
        update: answered[person.chat_id] for update, person in zip(updates, people, strict=True)
    }
    cut = cluster.proxy.cut & set(updates)
    # Nothing lost: everybody was greeted.
    assert min(by_update.values()) == 1
    # Nothing handled twice: only an update cut mid-way by the kill may repeat its reply.
    assert all(count == 1 for update, count in by_update.items() if update not in cut)
    assert all(count <= 2 for count in by_update.values())
    # The kill was felt: what the dead replica held was delivered again to the survivor.
    assert killed_at < BURST and cut
    assert all(cluster.proxy.routes[update] == 1 for update in cut)
    assert len(cut) <= fake.store.webhook_max_connections
    print(  # noqa: T201 - the figures of the run, for docs/reliability.md
        f"\nburst of {BURST}: replica killed after {killed_at}; {len(cut)} update(s) cut"
        f" mid-way and redelivered; {sum(c - 1 for c in by_update.values())} reply(ies) repeated"
    )


async def test_the_standby_finishes_a_broadcast_when_the_active_worker_is_killed(
    cluster: Cluster, fake: FakeTelegram
) -> None:
    audience = {4_000_000 + n: RU for n in range(AUDIENCE)}
    for chat_id in audience:
        fake.user(user_id=chat_id, first_name="Subscriber", language_code="ru")
    url = cluster.environment()["DATABASE_URL"]
    await prepare_database(url, audience)
    await cluster.start(workers=2)
    first = cluster.active_worker()
    assert first is not None
    deliveries = Deliveries(fake, list(audience), "#cluster-broadcast")
    content = BroadcastContent(None, "26 июня — день борьбы с наркотиками #cluster-broadcast")
    broadcast_id = await start_broadcast(url, content)
    await cluster.wait_for(deliveries.until(AUDIENCE // 3), "a third of the broadcast")
    await first.kill()
    killed = dt.datetime.now(dt.UTC)
    await cluster.wait_for(lambda: cluster.active_worker() is not None, "the standby", within=30)
    took_over = (dt.datetime.now(dt.UTC) - killed).total_seconds()
    await cluster.wait_for(deliveries.until(AUDIENCE), "the whole audience", within=120)
    assert took_over < 15
    assert deliveries.misses == 0
    assert deliveries.duplicates <= 3
    standby = cluster.active_worker()
    assert standby is not None and standby.logged(f"Broadcast {broadcast_id}")
    print(  # noqa: T201 - the figures of the run, for docs/reliability.md
        f"\nbroadcast to {AUDIENCE}: active worker killed; the standby took over in"
        f" {took_over:.1f} s; {deliveries.misses} missed, {deliveries.duplicates} repeated"
    )


async def test_a_report_started_on_one_replica_finishes_on_the_other(
    cluster: Cluster, fake: FakeTelegram
) -> None:
    await cluster.start()
    moderators = fake.group(chat_id=MODERATOR_CHAT_ID, title="Qorgan moderators")
    person = fake.user(user_id=5_000_001, first_name="Dmitry", language_code="ru")
    first = len(cluster.proxy.routes)
    await person.send("/report")
    await person.click(tr(CATEGORY_LABELS[TipCategory.CHANNEL]))
    await person.send("https://t.me/cluster_shop")
    reply = await person.click(tr("Skip ➡️"))
    while tr("✅ Send") not in reply.buttons:
        reply = await person.click(tr("Skip ➡️"))
    reply = await person.click(tr("✅ Send"))
    assert RECEIPT.search(reply.text), reply.text
    replicas = set(list(cluster.proxy.routes.values())[first:])
    assert replicas == {0, 1}  # the form's updates went to both replicas
    # The worker posts the card the replica left owed.
    await cluster.wait_for(lambda: bool(moderators.messages), "the tip's card", within=30)
