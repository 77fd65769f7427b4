"""The public-holiday regions a channel's staffed hours can follow: every
country and subdivision the ``holidays`` package supports, as choices for a
select (grouped by country, the United Kingdom first: most of our users are
UK councils and agencies)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays
from holidays import registry

# StaffedHours.holiday_region is 16 characters: longer codes cannot be stored.
MAX_CODE = 16
FIRST = ("GB",)

Choice = tuple[str, str]
Group = tuple[str, list[Choice]]


def _country_name(key: str) -> str:
    return key.replace("_", " ").title()


@lru_cache(maxsize=1)
def region_groups() -> tuple[Group, ...]:
    """[(country name, [(code, label), ...]), ...]: the country itself, then
    its subdivisions. Built once: the package's classes are slow to walk."""
    groups: list[Group] = []
    for key, (class_name, alpha2, *_rest) in registry.COUNTRIES.items():
        country = getattr(holidays, class_name, None)
        if country is None:
            continue
        name = _country_name(key)
        names = {
            code: label for label, code in getattr(country, "subdivisions_aliases", {}).items()
        }
        choices = [(alpha2, f"{name} (whole country, {alpha2})")]
        for sub in getattr(country, "subdivisions", ()):
            code = f"{alpha2}-{sub}"
            if len(code) > MAX_CODE or " " in sub:
                continue
            label = names.get(sub, sub)
            choices.append((code, f"{name}: {label} ({code})"))
        groups.append((name, choices))
    groups.sort(key=lambda g: (g[1][0][0] not in FIRST, g[0]))
    return tuple(groups)


def region_codes() -> frozenset[str]:
    return frozenset(code for _, choices in region_groups() for code, _ in choices)


def region_label(code: str) -> str:
    for _, choices in region_groups():
        for value, label in choices:
            if value == code:
                return label
    return code


@lru_cache(maxsize=256)
def _named_holidays(region: str, year: int) -> dict:
    from escalation.clock import parse_region

    country, subdiv = parse_region(region)
    return dict(holidays.country_holidays(country, subdiv=subdiv, years=year))


def holiday_name(region: str, day: date) -> str | None:
    """The name of the public holiday on ``day`` in ``region``, if it is one."""
    if not region:
        return None
    found = _named_holidays(region.strip().upper(), day.year).get(day)
    return str(found) if found else None
