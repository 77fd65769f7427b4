"""The shapes every dashboard is made of, and how values read in words."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = "text"  # text | int | duration | share | money | date | datetime | link


@dataclass(frozen=True)
class Chart:
    kind: str  # bar | line
    title: str
    series: tuple[int, ...]  # column indexes drawn, against column 0
    unit: str = "count"  # count | minutes | percent | money
    stacked: bool = False

    def data(self, table: Table) -> dict[str, Any]:
        return {
            "type": self.kind,
            "title": self.title,
            "unit": self.unit,
            "stacked": self.stacked,
            "labels": [_label(row[0]) for row in table.rows],
            "datasets": [
                {
                    "label": table.columns[i].label,
                    "data": [_chart_value(row[i], table.columns[i].kind) for row in table.rows],
                }
                for i in self.series
            ],
        }


@dataclass
class Table:
    slug: str
    title: str
    columns: list[Column]
    rows: list[list[Any]]
    note: str = ""
    charts: list[Chart] = field(default_factory=list)
    display: str = "table"  # table | heatmap

    @property
    def cells(self) -> list[list[tuple[Any, Column]]]:
        return [list(zip(row, self.columns, strict=True)) for row in self.rows]

    @property
    def heatmap(self) -> dict[str, Any]:
        """Rows of (day of week, hour, inbound, staffed share) as a grid: one
        row per hour, one column per day of the week."""
        cells = {(r[0], r[1]): (r[2], r[3]) for r in self.rows}
        days = list(dict.fromkeys(r[0] for r in self.rows))
        hours = list(dict.fromkeys(r[1] for r in self.rows))
        return {
            "days": days,
            "rows": [(h, [cells[(d, h)] for d in days]) for h in hours],
            "peak": max((r[2] for r in self.rows), default=0),
        }


@dataclass(frozen=True)
class Headline:
    label: str
    kind: str
    value: Any
    previous: Any
    better: str = ""  # "higher" | "lower" | "" (neither)

    @property
    def change(self) -> str:
        if self.value is None or self.previous is None:
            return "no comparison"
        delta = self.value - self.previous
        if abs(delta) < 1e-9:
            return "no change"
        direction = "up" if delta > 0 else "down"
        amount = _plain(abs(delta), self.kind)
        verdict = ""
        if self.better:
            good = (delta > 0) == (self.better == "higher")
            verdict = " (better)" if good else " (worse)"
        return f"{direction} {amount}{verdict}"


@dataclass
class Dashboard:
    name: str
    title: str
    tables: list[Table]
    headline: list[Headline] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def table(self, slug: str) -> Table | None:
        return next((t for t in self.tables if t.slug == slug), None)


def _label(value: Any) -> str:
    if isinstance(value, date):
        return f"{value:%a %-d %b}"
    return str(value)


def _chart_value(value: Any, kind: str) -> float | None:
    if value is None:
        return None
    if kind == "duration":
        return round(value / 60, 1)
    if kind == "share":
        return round(100 * value, 1)
    if isinstance(value, Decimal):
        return float(value)
    return value


def duration_text(seconds: float | None) -> str:
    """45 s, 25 min, 7 h 45 min, 2 d 2 h 23 min."""
    if seconds is None:
        return "no data"
    if seconds < 60:
        return f"{round(seconds)} s"
    minutes = int(seconds / 60 + 0.5)
    if minutes < 60:
        return f"{minutes} min"
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = ([f"{days} d"] if days else []) + [f"{hours} h", f"{minutes:02d} min"]
    return " ".join(parts)


def _plain(value: Any, kind: str) -> str:
    if kind == "duration":
        return duration_text(value)
    if kind == "share":
        return f"{100 * value:.1f} percentage points"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"
