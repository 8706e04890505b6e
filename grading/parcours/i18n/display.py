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

from . import _, get_language, language

#: babel's locale of each language
LOCALES = {"fr": "fr_FR", "en": "en_GB"}
MISSING = "–"
#: the minus sign of an offset as typeset (U+2212), not a hyphen
MINUS = "\N{MINUS SIGN}"


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
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    # rounded in UTC: pandas rounds a zoned time on its wall clock, which it cannot place
    # back in the hour a clock change repeats (25 Oct 2026, 02:17 in Paris happens twice)
    return stamp.floor("us").tz_convert(ZoneInfo(zone)).to_pydatetime()


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


def offset_text(moment: dt.datetime) -> str:
    """The moment's UTC offset as people write it: ``UTC+2``, ``UTC−3``, ``UTC+5:30``,
    ``UTC``."""
    offset = moment.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else MINUS
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def city(zone: str) -> str:
    """The place an IANA zone is named after (``America/Argentina/Buenos_Aires`` → Buenos
    Aires); ``UTC`` stays ``UTC``."""
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def zone_label(moment: dt.datetime, zone: str, lang: str) -> str:
    """The zone named for a reader: ``Cayenne time, UTC−3`` / ``heure de Cayenne, UTC−3``."""
    local = moment.astimezone(ZoneInfo(zone))
    if city(zone) == "UTC":
        return "UTC"
    with language(lang):
        return _("{city} time, {offset}").format(city=city(zone), offset=offset_text(local))
