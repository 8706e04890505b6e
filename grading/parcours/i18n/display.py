"""Numbers, percentages, durations, dates and times as a person of the language in force
reads them, through babel: ``77,4 h`` and ``45 %`` in French, ``77.4 h`` and ``45%`` in
English; ``21 sept. 2026`` / ``Sep 21, 2026``; a time always on the wall clock of a named
zone (the course's), the zone written.

Every function reads the language in force (:func:`parcours.i18n.get_language`),
so a page switched to English re-renders its numbers without being recomputed.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any
from zoneinfo import ZoneInfo

from . import get_language

#: babel's locale of each language
LOCALES = {"fr": "fr_FR", "en": "en_GB"}
MISSING = "–"


def locale() -> str:
    """The babel locale of the language in force."""
    return LOCALES.get(get_language(), "en_GB")


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(math.isnan(float(value)))
    except (TypeError, ValueError):
        return False


def number(value: Any, digits: int = 1) -> str:
    """A number rounded to at most ``digits`` decimals (trailing zeros dropped): ``18,9``,
    ``3``; '–' when missing."""
    from babel.numbers import format_decimal

    if _missing(value):
        return MISSING
    pattern = "#,##0" + ("." + "#" * digits if digits > 0 else "")
    return format_decimal(round(float(value), digits), format=pattern, locale=locale())


def integer(value: Any) -> str:
    """A whole number with the language's grouping: ``10 000`` / ``10,000``."""
    return number(value, 0)


def percent(share: Any, digits: int = 0) -> str:
    """A share (0..1) as a percentage: ``45 %`` in French, ``45%`` in English."""
    from babel import Locale
    from babel.numbers import format_percent

    if _missing(share):
        return MISSING
    pattern = Locale.parse(locale()).percent_formats[None].pattern  # "#,##0 %" in French
    if digits > 0:
        pattern = pattern.replace("#,##0", "#,##0." + "0" * digits, 1)
    return format_percent(float(share), format=pattern, locale=locale())


def points(share: Any) -> str:
    """A difference of shares as percentage points: ``12 points``."""
    from . import ngettext

    if _missing(share):
        return MISSING
    value = round(abs(float(share)) * 100)
    return ngettext("{n} point", "{n} points", value).format(n=integer(value))


def hours(value: Any) -> str:
    """A duration in hours: ``77,4 h``."""
    return MISSING if _missing(value) else f"{number(value, 1)}\u00a0h"


def minutes(value: Any) -> str:
    """A duration in minutes: ``20 min``."""
    return MISSING if _missing(value) else f"{number(value, 0)}\u00a0min"


def days(value: Any, digits: int = 1) -> str:
    """A duration in days, with its plural: ``1 day``, ``2,5 jours``."""
    from . import ngettext

    if _missing(value):
        return MISSING
    rounded = round(float(value), digits)
    n = int(rounded) if rounded == int(rounded) else 2  # 1,5 jours: plural
    return ngettext("{n} day", "{n} days", n).format(n=number(rounded, digits))


def _local(moment: Any, zone: str) -> dt.datetime:
    import pandas as pd

    stamp = pd.Timestamp(moment)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return stamp.tz_convert(ZoneInfo(zone)).floor("us").to_pydatetime()


def day(moment: Any, zone: str = "UTC") -> str:
    """The day of ``moment`` in ``zone``: ``21 sept. 2026`` / ``21 Sept 2026``."""
    from babel.dates import format_date

    if _missing_moment(moment):
        return MISSING
    return format_date(_local(moment, zone).date(), format="medium", locale=locale())


def short_day(moment: Any, zone: str = "UTC") -> str:
    """Day and month only, for axis labels: ``21 sept.`` / ``21 Sept``."""
    from babel.dates import format_skeleton

    if _missing_moment(moment):
        return MISSING
    return format_skeleton("MMMd", _local(moment, zone), locale=locale())


def zone_name(moment: Any, zone: str) -> str:
    """The zone as a person reads it: ``heure de Paris, UTC+2`` / ``Paris time, UTC+2``."""
    from ..course.zones import zone_label

    return zone_label(_local(moment, zone), zone, get_language())


def moment(value: Any, zone: str = "UTC", *, with_zone: bool = True) -> str:
    """A date and time on the wall clock of ``zone``: ``21 sept. 2026, 23:59 (heure de
    Paris, UTC+2)``; without ``with_zone`` the zone is left to a heading that names it."""
    from babel.dates import format_datetime

    if _missing_moment(value):
        return MISSING
    local = _local(value, zone)
    text = format_datetime(local, format="medium", locale=locale(), tzinfo=local.tzinfo)
    text = text.rsplit(":", 1)[0] if text.count(":") == 2 else text  # no seconds
    return f"{text} ({zone_name(local, zone)})" if with_zone else text


def _missing_moment(value: Any) -> bool:
    if value is None:
        return True
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def plotly_separators() -> str:
    """plotly.js' ``layout.separators`` (decimal mark, then thousands) of the language."""
    from babel.numbers import get_decimal_symbol, get_group_symbol

    return get_decimal_symbol(locale()) + get_group_symbol(locale())


__all__ = [
    "LOCALES",
    "day",
    "days",
    "hours",
    "integer",
    "locale",
    "minutes",
    "moment",
    "number",
    "percent",
    "plotly_separators",
    "points",
    "short_day",
    "zone_name",
]
