"""The weekly trend chart: a valid PNG of sensible size, with Kazakh labels and suppressed weeks.

pytest turns warnings into errors, so a missing glyph (matplotlib warns about each one) fails
these tests.
"""

from __future__ import annotations

import datetime as dt
import io
import struct

import pytest
from PIL import Image

from bot.services.charts import render_weekly_trend

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WEEKS = [dt.date(2026, 5, 4) + dt.timedelta(weeks=n) for n in range(8)]
KAZAKH_LETTERS = "әғқңөұүһі ӘҒҚҢӨҰҮҺІ"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which must come first."""
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def assert_sensible_png(data: bytes) -> None:
    width, height = png_size(data)
    assert width >= 600 and 300 <= height <= width
    assert 10_000 <= len(data) <= 500_000
    with Image.open(io.BytesIO(data)) as image:
        image.verify()  # checks the chunks' CRCs


def test_kazakh_chart_with_suppressed_weeks() -> None:
    data = render_weekly_trend(
        WEEKS,
        {
            "Жаңа пайдаланушылар": [None, None, 7, 12, None, 40, 55, 61],
            "Аяқталған тесттер": [5, 8, None, None, 20, 22, 30, 41],
            f"Хабарламалар ({KAZAKH_LETTERS})": [None, None, None, None, None, None, 5, 6],
        },
        title=f"Апталық үрдіс — {KAZAKH_LETTERS}",
        week_label="Апта (дүйсенбіден бастап)",
    )
    assert_sensible_png(data)
    assert png_size(data) == (800, 450)


def test_russian_chart_where_every_week_is_suppressed() -> None:
    data = render_weekly_trend(
        WEEKS,
        {"Новые пользователи": [None] * 8, "Сообщения": [None] * 8},
        title="Динамика по неделям",
        week_label="Неделя (с понедельника)",
    )
    assert_sensible_png(data)


def test_suppressed_weeks_are_not_drawn_as_zero() -> None:
    """A gap and a zero must look different."""
    gap = render_weekly_trend(WEEKS[:3], {"x": [10, None, 10]}, title="t", week_label="w")
    zero = render_weekly_trend(WEEKS[:3], {"x": [10, 0, 10]}, title="t", week_label="w")
    with Image.open(io.BytesIO(gap)) as a, Image.open(io.BytesIO(zero)) as b:
        assert a.tobytes() != b.tobytes()


def test_renders_do_not_leak_into_each_other() -> None:
    first = render_weekly_trend(WEEKS, {"a": [1, 2, 3, 4, 5, 6, 7, 8]}, "t", "w")
    render_weekly_trend(WEEKS, {"b": [None] * 8, "c": [9] * 8}, "other", "w2")
    again = render_weekly_trend(WEEKS, {"a": [1, 2, 3, 4, 5, 6, 7, 8]}, "t", "w")
    assert first == again


def test_series_must_match_the_weeks() -> None:
    with pytest.raises(ValueError, match="3 values for 8 weeks"):
        render_weekly_trend(WEEKS, {"x": [1, 2, 3]}, title="t", week_label="w")
    with pytest.raises(ValueError, match="at least one week"):
        render_weekly_trend([], {}, title="t", week_label="w")


def test_suppressed_weeks_draw_no_point() -> None:
    """A week under "<5" is no data point: nothing in the series' colour is drawn for it."""
    blue = (31, 119, 180)  # matplotlib's C0

    def blue_pixels(values: list[int | None]) -> int:
        data = render_weekly_trend(WEEKS[:3], {"x": values}, title="t", week_label="w")
        with Image.open(io.BytesIO(data)) as image:
            rgb = image.convert("RGB")
            width, height = rgb.size
            return sum(
                1 for x in range(width) for y in range(height) if _near(rgb.getpixel((x, y)), blue)
            )

    legend_only = blue_pixels([None, None, None])
    assert blue_pixels([None, 12, None]) > legend_only  # one real week: one point
    # The legend's sample line alone (about 130 pixels); hollow markers at the gaps, as the
    # chart once drew them, added about 70 more.
    assert legend_only < 160


def _near(pixel: object, colour: tuple[int, int, int]) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(int(a) - b) < 40 for a, b in zip(pixel, colour, strict=True))
