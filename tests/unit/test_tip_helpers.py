"""Link normalisation, receipt codes, in-memory limits and transient drafts."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.domain import TipCategory
from bot.services import receipts
from bot.services.drafts import DraftStore, Sending, Sent
from bot.services.limits import AttemptLimit, DailyQuota, SlidingLimit
from bot.services.links import MAX_LINK_LENGTH, NotALinkError, extract, normalise
from bot.shared_state import KeyHasher, RedisSlidingLimit, SharedState


@pytest.mark.parametrize(
    "text",
    [
        "t.me/Shop_X",
        "https://t.me/shop_x",
        "http://telegram.me/shop_x",
        "@shop_x",
        "https://t.me/s/SHOP_X",
        "t.me/shop_x/1234",
        "  https://www.t.me/shop_x/  ",
    ],
)
def test_telegram_links_share_one_key(text: str) -> None:
    assert normalise(text).key == "t.me/shop_x"


def test_web_links_lose_case_www_and_tracking() -> None:
    assert normalise("https://WWW.Example.KZ/Shop/?utm_source=tg&id=5&fbclid=x#top").url == (
        "example.kz/Shop?id=5"
    )
    assert normalise("example.kz/shop/") == normalise("http://example.kz/shop")


def test_invite_links_keep_their_case() -> None:
    assert normalise("https://t.me/+AbCdEf").key == "t.me/+AbCdEf"
    assert normalise("t.me/joinchat/AbCdEf").key == "t.me/joinchat/AbCdEf"


def test_a_post_link_keeps_its_number_and_groups_with_its_channel() -> None:
    link = normalise("https://t.me/Shop_X/1234?single&comment=5")
    assert (link.url, link.key) == ("t.me/shop_x/1234", "t.me/shop_x")
    private = normalise("t.me/c/1234567/89")
    assert (private.url, private.key) == ("t.me/c/1234567/89", "t.me/c/1234567")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("https://t.me/ShopBot?start=ref_123456", "t.me/shopbot"),
        ("https://www.instagram.com/reel/C1/?igsh=MzRl&utm_source=ig", "instagram.com/reel/C1"),
        (
            "https://www.tiktok.com/@shop/video/7?_t=ZS&_r=1&is_from_webapp=1",
            "tiktok.com/@shop/video/7",
        ),
        ("https://x.com/shop/status/9?s=20&t=Xy", "x.com/shop/status/9"),
        (
            "https://m.facebook.com/profile.php?id=42&mibextid=Zb&fbclid=Iw",
            "m.facebook.com/profile.php?id=42",
        ),
        ("https://www.youtube.com/watch?v=abc&si=XYZ&feature=share", "youtube.com/watch?v=abc"),
        ("https://shop.kz/item?id=3&gclid=1&yclid=2&utm_campaign=x", "shop.kz/item?id=3"),
        # A shop's own referral codes may name whoever shared the link.
        ("https://shop.kz/item?id=3&aff=77&partner=x&uid=5", "shop.kz/item?id=3"),
    ],
)
def test_tracking_parameters_are_dropped(typed: str, stored: str) -> None:
    assert normalise(typed).url == stored


def test_a_long_link_is_capped() -> None:
    link = normalise("https://shop.kz/" + "x" * 5000 + "?q=" + "y" * 100)
    assert len(link.url) <= MAX_LINK_LENGTH and link.url.startswith("shop.kz/xxx")


def test_links_are_found_among_words() -> None:
    pasted = extract("https://t.me/some_shop продают закладки возле школы №12, пиши @seller_kz.")
    assert [link.key for link in pasted.links] == ["t.me/some_shop", "t.me/seller_kz"]
    assert pasted.words == "продают закладки возле школы №12, пиши."
    # Abbreviations and file names are words, not links.
    assert extract("г.Алматы, ул.Абая 10, т.е. file.txt").links == ()


def test_a_text_link_keeps_its_words() -> None:
    pasted = extract("работа курьером тут", [("тут", "https://t.me/job_bot?start=x")])
    assert [link.url for link in pasted.links] == ["t.me/job_bot"]
    assert pasted.words == "работа курьером тут"


@pytest.mark.parametrize("text", ["hello there", "@ab", "shop", "http://", "t.me/", "<b>x</b>"])
def test_non_links_are_refused(text: str) -> None:
    with pytest.raises(NotALinkError):
        normalise(text)


def test_receipt_codes_are_random_and_well_formed() -> None:
    codes = {receipts.new_code() for _ in range(1000)}
    assert len(codes) == 1000
    code = codes.pop()
    assert len(code) == 19 and code.count("-") == 3
    # 16 symbols from a 32-letter alphabet: 80 bits.
    assert len(receipts.ALPHABET) ** receipts.LENGTH == 2**80


def test_receipt_codes_forgive_typing() -> None:
    code = "ABCD-EFGH-JKMN-PQR0"
    assert receipts.canonical("abcd efgh jkmn pqro") == receipts.canonical(code)
    assert receipts.hash_code(code.lower()) == receipts.hash_code(code)
    assert receipts.canonical("ABCD-EFGH") is None
    assert receipts.canonical("ABCD-EFGH-JKMN-PQR!") is None


@pytest.fixture(params=["memory", "redis"])
async def shared(request: pytest.FixtureRequest) -> AsyncIterator[SharedState | None]:
    """Each store in this process's memory, and its Redis counterpart (cluster mode)."""
    if request.param == "memory":
        yield None
        return
    state = SharedState(Redis.from_url(request.getfixturevalue("redis_url")), KeyHasher("1:t"))
    yield state
    await state.close()


async def test_daily_quota_resets_each_day(shared: SharedState | None) -> None:
    day = [dt.date(2026, 6, 26)]
    quota = (
        DailyQuota(2, lambda: day[0]) if shared is None else shared.daily_quota(2, lambda: day[0])
    )
    assert await quota.take(1) and await quota.take(1)
    assert not await quota.take(1)  # refused, and not counted
    assert await quota.remaining(1) == 0
    assert await quota.remaining(2) == 2
    await quota.refund(1)
    assert await quota.remaining(1) == 1
    day[0] += dt.timedelta(days=1)
    assert await quota.remaining(1) == 2
    await quota.use(1)
    await quota.forget(1)
    assert await quota.remaining(1) == 2


async def test_sliding_limit(shared: SharedState | None) -> None:
    now = [1_000_000.0]
    limit: AttemptLimit
    if shared is None:
        limit = SlidingLimit(2, 3600, lambda: now[0])
    else:
        limit = RedisSlidingLimit(shared.redis, shared.hasher, "test", 2, 3600, lambda: now[0])
    assert await limit.allow(7) and await limit.allow(7)
    assert not await limit.allow(7) and await limit.exhausted(7)
    assert not await limit.exhausted(8)
    now[0] += 3600
    assert not await limit.exhausted(7)
    assert await limit.allow(7)
    await limit.forget(7)
    assert await limit.allow(7) and await limit.allow(7)


async def test_drafts_expire_after_idle_time() -> None:
    now = [0.0]
    drafts = DraftStore(idle_seconds=1800, clock=lambda: now[0])
    draft = await drafts.start(1)
    draft.category = TipCategory.STASH
    now[0] += 1000
    assert await drafts.get(1) is draft  # touching keeps it alive
    now[0] += 1799
    assert await drafts.get(1) is draft
    await drafts.start(2)
    now[0] += 1800
    assert await drafts.sweep() == 2
    assert await drafts.get(1) is None
    assert len(drafts) == 0


async def test_a_report_is_in_one_phase_at_a_time(shared: SharedState | None) -> None:
    """Draft → Sending (one press of Send took it) → HeldReceipt (stored, the code not seen
    yet) → Sent; nothing of the report is kept past Sending."""
    drafts = DraftStore() if shared is None else shared.drafts()
    draft = await drafts.start(1, first_message_id=40)
    draft.description = "Sells «соль»"
    await drafts.save(1, draft)
    assert await drafts.claim(1, draft)
    assert not await drafts.claim(1, draft)  # a second press finds it taken
    assert isinstance(await drafts.get(1), Sending) and await drafts.draft(1) is None
    await drafts.save(1, draft)  # a handler's late save does not undo the claim
    assert isinstance(await drafts.get(1), Sending)
    await drafts.restore(1, draft)  # could not be stored: the form goes on
    assert await drafts.draft(1) == draft
    assert await drafts.claim(1, draft)
    await drafts.hold_receipt(1, "ABCD-EFGH", first_message_id=40)
    held = await drafts.held_receipt(1)
    assert held is not None and held.receipt == "ABCD-EFGH" and held.first_message_id == 40
    await drafts.mark_sent(1)
    assert isinstance(await drafts.get(1), Sent) and await drafts.held_receipt(1) is None
    await drafts.discard(1)
    assert await drafts.get(1) is None
