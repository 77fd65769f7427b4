"""Staffed hours used by the settings tests."""

from __future__ import annotations

from datetime import time

from escalation.services.hours import IntervalIn

# Split shifts Mon-Fri 08:00-12:00 and 13:00-17:00, Saturday 09:00-13:00.
SPLIT_WEEK = [
    *[IntervalIn(day, time(8), time(12)) for day in range(5)],
    *[IntervalIn(day, time(13), time(17)) for day in range(5)],
    IntervalIn(5, time(9), time(13)),
]
