"""The weekly trend chart for /stats, rendered to PNG bytes with matplotlib.

The object API (`Figure` + `FigureCanvasAgg`) is used instead of pyplot, so nothing is kept in
matplotlib's global figure registry and two renders cannot affect each other; the font is set on
each text element rather than in the global rcParams for the same reason. Labels arrive already
translated: DejaVu Sans, shipped with matplotlib, has every Kazakh and Russian letter.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Mapping, Sequence

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import MaxNLocator

from bot.services.stats import SMALL_CELL

WIDTH_INCHES, HEIGHT_INCHES, DPI = 8.0, 4.5, 100  # 800 × 450 px: Telegram shows it whole
FONT_FAMILY = "DejaVu Sans"
# Suppressed weeks are drawn as hollow markers in a shaded band below SMALL_CELL: "somewhere
# under 5", never a zero, and the line has a gap there. Each series gets its own height in the
# band so that markers of different series do not hide each other.
SMALL_BAND_COLOR = "#eeeeee"


def _font(size: float, weight: str = "normal") -> FontProperties:
    return FontProperties(family=FONT_FAMILY, size=size, weight=weight)


def _plot_series(axes: Axes, name: str, values: Sequence[int | None], color: str) -> None:
    positions = range(len(values))
    # NaN breaks the line, so a suppressed (or empty) week is a gap: no point, no dip to zero.
    # The shaded "<5" band says what a gap means; a marker there would read as a count.
    shown = [math.nan if value is None else float(value) for value in values]
    axes.plot(positions, shown, marker="o", linewidth=2, color=color, label=name)


def _week_labels(weeks: Sequence[dt.date]) -> list[str]:
    # Day and month, as both Kazakh and Russian write dates; no words, so nothing to translate.
    return [f"{week.day:02d}.{week.month:02d}" for week in weeks]


def _style_axes(axes: Axes, weeks: Sequence[dt.date], title: str, week_label: str) -> None:
    axes.axhspan(0, SMALL_CELL, color=SMALL_BAND_COLOR, zorder=0)
    axes.set_title(title, fontproperties=_font(14, "bold"))
    axes.set_xlabel(week_label, fontproperties=_font(11))
    axes.set_xticks(range(len(weeks)), _week_labels(weeks))
    axes.set_xlim(-0.5, len(weeks) - 0.5)
    # Room above the band even when every week is suppressed.
    axes.set_ylim(0, max(axes.get_ylim()[1], SMALL_CELL * 2))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    # On the axes' tick settings, so that ticks created at draw time get the font too.
    axes.tick_params(labelsize=10, labelfontfamily=FONT_FAMILY)
    axes.grid(axis="y", alpha=0.3)
    axes.spines[["top", "right"]].set_visible(False)


def render_weekly_trend(
    weeks: Sequence[dt.date],
    series: Mapping[str, Sequence[int | None]],
    title: str,
    week_label: str,
) -> bytes:
    """A PNG line chart: one line per series (legend = its key), one point per week.

    `series` values are `Cell`s from `StatsService.trend`: None (suppressed) is drawn as a gap.
    """
    if not weeks:
        raise ValueError("a trend chart needs at least one week")
    for name, values in series.items():
        if len(values) != len(weeks):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(weeks)} weeks")
    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)  # attaches itself: savefig renders with Agg, no GUI backend
    axes = figure.add_subplot()
    for index, (name, values) in enumerate(series.items()):
        _plot_series(axes, name, values, f"C{index}")  # C0, C1: the default cycle
    _style_axes(axes, weeks, title, week_label)
    if series:
        # Below the plot, so that it never covers a line.
        figure.legend(loc="outside lower center", ncols=len(series), prop=_font(10), frameon=False)
    buffer = io.BytesIO()
    # No "Software" metadata: the image need not tell the world which library built it.
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def render_before_after(
    labels: Sequence[str],
    before: Sequence[float | None],
    after: Sequence[float | None],
    names: tuple[str, str],
    title: str,
) -> bytes:
    """A PNG bar chart: for each measure, the mean answer (1-5) before and after practice.
    A hidden mean (fewer than five answers) gets no bar, and its place says "<5"."""
    if not (len(labels) == len(before) == len(after)):
        raise ValueError("one value before and one after for each label")
    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    width = 0.38
    for offset, values, name, color in (
        (-width / 2, before, names[0], "C0"),
        (width / 2, after, names[1], "C1"),
    ):
        positions = [n + offset for n in range(len(labels))]
        heights = [0.0 if v is None else v for v in values]
        axes.bar(positions, heights, width, label=name, color=color)
        for position, value in zip(positions, values, strict=True):
            text = f"<{SMALL_CELL}" if value is None else f"{value:.1f}"
            axes.text(position, (value or 0) + 0.05, text, ha="center", fontproperties=_font(9))
    axes.set_title(title, fontproperties=_font(14, "bold"))
    axes.set_xticks(range(len(labels)), labels)
    axes.set_ylim(0, 5.5)
    axes.tick_params(labelsize=9, labelfontfamily=FONT_FAMILY)
    axes.grid(axis="y", alpha=0.3)
    axes.spines[["top", "right"]].set_visible(False)
    figure.legend(loc="outside lower center", ncols=2, prop=_font(10), frameon=False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
