"""Formatting KPI values for people: durations in words, shares as percentages."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import template
from django.utils import timezone

from kpis.dashboards import duration_text

register = template.Library()


@register.filter
def duration(seconds: float | None) -> str:
    return duration_text(seconds)


@register.filter
def percent(value: float | None) -> str:
    return "no data" if value is None else f"{100 * value:.1f}%"


@register.filter
def kpi_cell(value: Any, kind: str) -> str:
    """One table cell, by its column's kind."""
    if kind == "duration":
        return duration_text(value)
    if kind == "share":
        return percent(value)
    if value is None:
        return "no data"
    if kind == "money":
        return f"{Decimal(value):,.2f}"
    if kind == "datetime" and isinstance(value, datetime):
        return f"{timezone.localtime(value):%-d %b %Y %H:%M}"
    if kind == "date" and isinstance(value, date):
        return f"{value:%a %-d %b %Y}"
    if kind == "int":
        return f"{value:,}"
    return str(value)


@register.filter
def heat(value: int, peak: int) -> int:
    """Shade level 0-4 of a heatmap cell (the number is always shown too)."""
    if not value or not peak:
        return 0
    return min(4, 1 + int(4 * value / (peak + 1)))


@register.filter
def cover_word(value: float | None) -> str:
    if value is None:
        return "no data"
    if value >= 0.999:
        return "staffed"
    if value <= 0.001:
        return "not staffed"
    return f"{round(100 * value)}% staffed"
