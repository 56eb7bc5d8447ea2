"""Link normalisation, receipt codes, in-memory limits and transient drafts."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.domain import TipCategory
from bot.services import receipts
from bot.services.drafts import DraftStore
from bot.services.limits import DailyQuota, SlidingLimit
from bot.services.links import NotALinkError, normalise


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
    assert normalise(text) == "t.me/shop_x"


def test_web_links_lose_case_www_and_tracking() -> None:
    assert normalise("https://WWW.Example.KZ/Shop/?utm_source=tg&id=5&fbclid=x#top") == (
        "example.kz/Shop?id=5"
    )
    assert normalise("example.kz/shop/") == normalise("http://example.kz/shop")


def test_invite_links_keep_their_case() -> None:
    assert normalise("https://t.me/+AbCdEf") == "t.me/+AbCdEf"
    assert normalise("t.me/joinchat/AbCdEf") == "t.me/joinchat/AbCdEf"


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


def test_daily_quota_resets_each_day() -> None:
    day = [dt.date(2026, 6, 26)]
    quota = DailyQuota(2, lambda: day[0])
    quota.use(1)
    quota.use(1)
    assert quota.remaining(1) == 0
    assert quota.remaining(2) == 2
    day[0] += dt.timedelta(days=1)
    assert quota.remaining(1) == 2


def test_sliding_limit() -> None:
    now = [0.0]
    limit = SlidingLimit(2, 3600, lambda: now[0])
    assert limit.allow(7) and limit.allow(7)
    assert not limit.allow(7)
    now[0] += 3600
    assert limit.allow(7)


def test_drafts_expire_after_idle_time() -> None:
    now = [0.0]
    drafts = DraftStore(idle_seconds=1800, clock=lambda: now[0])
    draft = drafts.start(1, region="astana")
    draft.category = TipCategory.STASH
    now[0] += 1000
    assert drafts.get(1) is draft  # touching keeps it alive
    now[0] += 1799
    assert drafts.get(1) is draft
    drafts.start(2, region=None)
    now[0] += 1800
    assert drafts.sweep() == 2
    assert drafts.get(1) is None
    assert len(drafts) == 0
