"""The ``[tutoring]`` table of a course manifest: the response delay the training body
commits to and the working time it is counted in (docs/tutoring.md).

Example::

    tutors = ["tuteur-1"]          # top level, beside ``teachers``

    [tutoring]
    response_hours = 24            # working hours from a question to the first staff answer
    working_days = ["mon", "tue", "wed", "thu", "fri"]
    day_starts = "09:00"
    day_ends = "18:00"
    holidays = "FR"                # public holidays of this country ("" for none)
    subdivision = ""               # a region of it, e.g. "57" (Moselle) for France
    closed = [2026-12-24]          # more days without tutoring (the body's own closures)
    notify = ["tutorat@organisme.example"]   # who gets the reminder of late questions
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..i18n import _

#: the days of the week, as the manifest names them (Monday first, as ``date.weekday()``)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_WEEK: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")
_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$|^24:00$")


def minutes_of(clock: str) -> int:
    """``"09:30"`` → 570 (minutes after midnight; ``"24:00"`` is 1440)."""
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


class Tutoring(BaseModel):
    """The tutoring commitment of a course: a first answer by its staff (teachers and
    tutors) within ``response_hours`` working hours."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    response_hours: float = Field(
        24, gt=0, le=2000, description="Working hours from a question to the first staff answer."
    )
    working_days: list[Weekday] = Field(default_factory=lambda: list(_WEEK), min_length=1)
    day_starts: str = "09:00"
    day_ends: str = "18:00"
    holidays: str = Field(
        "FR", description="Country whose public holidays stop the clock ('' for none)."
    )
    subdivision: str = ""
    closed: list[dt.date] = Field(default_factory=list)
    notify: list[str] = Field(
        default_factory=list,
        description="E-mail addresses reminded of the questions near or over the delay.",
    )

    @field_validator("notify")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for address in value:
            if not re.match(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$", address):
                raise ValueError(
                    _("'{address}' is not an e-mail address (tutoring.notify)").format(
                        address=address
                    )
                )
        return value

    @field_validator("day_starts", "day_ends")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not _CLOCK.match(value):
            raise ValueError(
                _('\'{value}\' is not a time of day: write HH:MM, e.g. "09:00" or "18:30"').format(
                    value=value
                )
            )
        return value

    @field_validator("holidays")
    @classmethod
    def _country(cls, value: str) -> str:
        if value and value.upper() != "FR":  # the default: no import at every manifest load
            import holidays

            if value.upper() not in holidays.list_supported_countries():
                raise ValueError(
                    _(
                        "'{value}' is not a country whose public holidays are known: use an "
                        'ISO code such as "FR", or "" for none'
                    ).format(value=value)
                )
        return value.upper()

    @model_validator(mode="after")
    def _day_has_hours(self) -> Tutoring:
        if minutes_of(self.day_starts) >= minutes_of(self.day_ends):
            raise ValueError(
                _("tutoring: day_starts ({starts}) must come before day_ends ({ends})").format(
                    starts=self.day_starts, ends=self.day_ends
                )
            )
        if self.subdivision and self.holidays:
            import holidays

            known = holidays.list_supported_countries().get(self.holidays, [])
            if self.subdivision not in known:
                raise ValueError(
                    _(
                        "tutoring: '{sub}' is not a subdivision of {country} (known: {known})"
                    ).format(sub=self.subdivision, country=self.holidays, known=", ".join(known))
                )
        return self
