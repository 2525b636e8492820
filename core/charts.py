"""Server-rendered line charts: an SVG's geometry, no JavaScript (`templates/_line_chart.html`).

Knows nothing of notes: a chart is one series of (day, amount) points drawn in
a fixed view box, with a few labelled ticks on each axis. Amounts stay
`Decimal`; only the pixel coordinates are floats, rounded to one decimal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

WIDTH, HEIGHT = 960, 200
LEFT, RIGHT, TOP, BOTTOM = 96, 16, 12, 28


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class LineChart:
    """What `_line_chart.html` draws: the path, the axes' ticks, and the view box."""

    path: str
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    top: int = TOP
    baseline: int = HEIGHT - BOTTOM


def _nice_ceiling(value: Decimal) -> Decimal:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above a positive value."""
    exponent = value.adjusted()
    for step in (1, 2, Decimal("2.5"), 5, 10):
        candidate = Decimal(step).scaleb(exponent)
        if candidate >= value:
            return candidate
    return Decimal(10).scaleb(exponent)


def _amount_label(value: Decimal) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:,.2f}".rstrip("0").rstrip(".") + "M"
    if value >= 10_000:
        return f"{value / 1000:,.1f}".rstrip("0").rstrip(".") + "k"
    return f"{value:,.0f}" if value >= 100 else f"{value:,.2f}"


def line_chart(points: Sequence[tuple[date, Decimal]]) -> LineChart | None:
    """The geometry of one line over days; None with fewer than two points."""
    if len(points) < 2:
        return None
    first, last = points[0][0], points[-1][0]
    span = max((last - first).days, 1)
    top_value = max((amount for _, amount in points), default=Decimal(0))
    ceiling = _nice_ceiling(top_value) if top_value > 0 else Decimal(1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: date) -> float:
        return round(LEFT + plot_w * (day - first).days / span, 1)

    def y(amount: Decimal) -> Decimal:
        # Exact to the tenth of a pixel: amounts stay Decimal, never a float.
        return (TOP + plot_h * (1 - max(amount, Decimal(0)) / ceiling)).quantize(Decimal("0.1"))

    path = " ".join(
        f"{'M' if i == 0 else 'L'}{x(day)},{y(amount)}" for i, (day, amount) in enumerate(points)
    )
    y_ticks = [Tick(y(ceiling * k / 4), _amount_label(ceiling * k / 4)) for k in range(5)]
    x_ticks = []
    years = range(first.year, last.year + 1)
    step = max(1, len(years) // 8)
    for year in years[::step]:
        for month in (1, 7) if len(years) <= 3 else (1,):
            day = date(year, month, 1)
            if first <= day <= last:
                x_ticks.append(Tick(x(day), f"{day:%Y-%m}"))
    if not x_ticks:
        x_ticks = [Tick(x(first), f"{first:%Y-%m-%d}"), Tick(x(last), f"{last:%Y-%m-%d}")]
    return LineChart(path=path, x_ticks=x_ticks, y_ticks=y_ticks)
