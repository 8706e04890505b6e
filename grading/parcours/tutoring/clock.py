"""Working time: the clock a tutoring commitment is counted in.

A course's ``[tutoring]`` table (:class:`parcours.course.tutoring.Tutoring`) names the
working days, the working hours of each day and the public holidays (a country of the
``holidays`` package, French by default, and the body's own closed days), in the course's
time zone. A question asked on Friday at 22:00 in Paris starts its clock on Monday at
09:00; a day of the change of time still has its working hours on the wall clock (09:00
to 18:00 is nine real hours either way), and a window that spans the change counts the
real time elapsed (the night of the change has 23 or 25 hours).

:meth:`WorkingClock.between` is O(1) after the first call over a span of days (a running
total per day), so the coordinator's figures over 100,000 questions stay well under a
second.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ..course.tutoring import WEEKDAYS, minutes_of

if TYPE_CHECKING:
    from ..course.model import Course
    from ..course.tutoring import Tutoring

#: how far ahead a due time is looked for (a calendar with no working day at all is
#: refused by the manifest; this only bounds the search)
_HORIZON_DAYS = 3660
_UTC = dt.UTC


@dataclass
class WorkingClock:
    """Working time of one course: ``zone`` (IANA), working ``days`` (0 = Monday), each
    from ``starts`` to ``ends`` minutes after midnight on the wall clock, except
    ``closed`` dates and the public holidays of ``country`` (``subdivision``)."""

    zone: str
    days: frozenset[int]
    starts: int
    ends: int
    country: str = "FR"
    subdivision: str = ""
    closed: frozenset[dt.date] = frozenset()
    _tz: ZoneInfo = field(init=False, repr=False)
    _holidays: dict[int, set[dt.date]] = field(init=False, repr=False, default_factory=dict)
    #: the working windows from ``_origin`` (included) to ``_until`` (excluded)
    _origin: dt.date | None = field(init=False, repr=False, default=None)
    _until: dt.date | None = field(init=False, repr=False, default=None)
    _starts: list[float] = field(init=False, repr=False, default_factory=list)
    _ends: list[float] = field(init=False, repr=False, default_factory=list)
    _before: list[float] = field(init=False, repr=False, default_factory=list)
    _lock: threading.RLock = field(init=False, repr=False, default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self._tz = ZoneInfo(self.zone)

    @classmethod
    def of(cls, tutoring: Tutoring, zone: str) -> WorkingClock:
        """The clock a manifest's ``[tutoring]`` table describes, in ``zone``."""
        return cls(
            zone=zone,
            days=frozenset(WEEKDAYS.index(day) for day in tutoring.working_days),
            starts=minutes_of(tutoring.day_starts),
            ends=minutes_of(tutoring.day_ends),
            country=tutoring.holidays,
            subdivision=tutoring.subdivision,
            closed=frozenset(tutoring.closed),
        )

    @classmethod
    def of_course(cls, course: Course) -> WorkingClock:
        """The clock of ``course`` (its ``[tutoring]`` table, its time zone)."""
        return cls.of(course.tutoring, course.timezone)

    # -- days -----------------------------------------------------------------------------
    def is_working_day(self, day: dt.date) -> bool:
        """Whether ``day`` has working hours (a working weekday, not closed, no holiday)."""
        if day.weekday() not in self.days or day in self.closed:
            return False
        return day not in self._holidays_of(day.year)

    def _holidays_of(self, year: int) -> set[dt.date]:
        found = self._holidays.get(year)
        if found is None:
            found = set()
            if self.country:
                import holidays

                found = set(
                    holidays.country_holidays(
                        self.country, subdiv=self.subdivision or None, years=year
                    )
                )
            self._holidays[year] = found
        return found

    def window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
        """The working hours of ``day`` as two UTC instants, None on a day off."""
        if not self.is_working_day(day):
            return None
        midnight = dt.datetime(day.year, day.month, day.day)
        start = (midnight + dt.timedelta(minutes=self.starts)).replace(tzinfo=self._tz)
        end = (midnight + dt.timedelta(minutes=self.ends)).replace(tzinfo=self._tz)
        # fold=0 on an ambiguous wall time; a time that does not exist (02:30 on the
        # night clocks go forward) is taken as zoneinfo does, one hour later
        return start.astimezone(_UTC), end.astimezone(_UTC)

    def _local_day(self, moment: dt.datetime) -> dt.date:
        return moment.astimezone(self._tz).date()

    # -- elapsed working time -------------------------------------------------------------
    # Working windows as POSIX seconds, one per working day from ``_origin`` on, and the
    # working seconds before each: the working time before an instant t is
    # ``before[i] + clip(t - starts[i], 0, ends[i] - starts[i])`` for the last window i
    # starting at or before t (a bisection; numpy's searchsorted for many at once).
    def _cover(self, first: dt.date, last: dt.date) -> None:
        """Make the windows cover the days ``first`` to ``last`` (local dates)."""
        with self._lock:
            if self._origin is None or first < self._origin:
                self._origin = self._until = first - dt.timedelta(days=7)
                self._starts, self._ends, self._before = [], [], []
            day = self._until
            assert day is not None
            while day <= last:
                found = self.window(day)
                if found is not None:
                    start, end = found[0].timestamp(), found[1].timestamp()
                    done = (
                        self._before[-1] + self._ends[-1] - self._starts[-1]
                        if self._starts
                        else 0.0
                    )
                    self._starts.append(start)
                    self._ends.append(end)
                    self._before.append(done)
                day += dt.timedelta(days=1)
            self._until = day

    def _elapsed(self, seconds: float) -> float:
        """Working seconds from the origin to the POSIX time ``seconds`` (covered)."""
        from bisect import bisect_right

        index = bisect_right(self._starts, seconds) - 1
        if index < 0:
            return 0.0
        start, end = self._starts[index], self._ends[index]
        return self._before[index] + min(max(seconds - start, 0.0), end - start)

    def between(self, start: dt.datetime, end: dt.datetime) -> float:
        """Working seconds from ``start`` to ``end`` (aware datetimes; 0 when ``end`` is
        not after ``start``)."""
        if end <= start:
            return 0.0
        self._cover(self._local_day(start), self._local_day(end))
        return max(0.0, self._elapsed(end.timestamp()) - self._elapsed(start.timestamp()))

    def between_many(self, starts: Any, ends: Any) -> Any:
        """:meth:`between` for arrays of POSIX seconds (numpy; NaN ends give NaN): the
        coordinator's figures over many questions at once."""
        import numpy as np

        starts = np.asarray(starts, dtype="float64")
        ends = np.asarray(ends, dtype="float64")
        known = np.concatenate([starts[~np.isnan(starts)], ends[~np.isnan(ends)]])
        if known.size == 0:
            return np.full(starts.shape, np.nan)
        first = dt.datetime.fromtimestamp(float(known.min()), self._tz).date()
        last = dt.datetime.fromtimestamp(float(known.max()), self._tz).date()
        self._cover(first, last)
        begin = np.asarray(self._starts)
        finish = np.asarray(self._ends)
        before = np.asarray(self._before)

        def elapsed(at: Any) -> Any:
            index = np.searchsorted(begin, np.nan_to_num(at), side="right") - 1
            safe = np.clip(index, 0, None)
            inside = np.clip(at - begin[safe], 0.0, finish[safe] - begin[safe])
            return np.where(index < 0, 0.0, before[safe] + inside)

        if begin.size == 0:
            return np.where(np.isnan(ends), np.nan, 0.0)
        result = np.clip(elapsed(ends) - elapsed(starts), 0.0, None)
        return np.where(np.isnan(ends) | np.isnan(starts), np.nan, result)

    def hours_between(self, start: dt.datetime, end: dt.datetime) -> float:
        """:meth:`between` in hours."""
        return self.between(start, end) / 3600

    def add(self, start: dt.datetime, hours: float) -> dt.datetime:
        """The instant ``hours`` working hours after ``start`` (UTC): when a question
        asked at ``start`` is due."""
        remaining = hours * 3600
        day = self._local_day(start)
        instant = start.astimezone(_UTC)
        for _step in range(_HORIZON_DAYS):
            found = self.window(day)
            if found is not None:
                begin = max(found[0], instant)
                available = (found[1] - begin).total_seconds()
                if available > 0:
                    if remaining <= available:
                        return begin + dt.timedelta(seconds=remaining)
                    remaining -= available
            day += dt.timedelta(days=1)
        raise ValueError(f"no working time within {_HORIZON_DAYS} days of {start.isoformat()}")
