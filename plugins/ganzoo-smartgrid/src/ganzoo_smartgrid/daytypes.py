"""Calendar facts that load curves depend on: day types, holidays and BDEW seasons.

Standard load profiles distinguish workdays, Saturdays and Sundays, and count public holidays as
Sundays; the older (1999) profiles also switch between winter, transition and summer tables on
fixed dates. Everything here works on plain `datetime.date` objects so that generation,
loading and export share one definition of "day type".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

#: Day types in the order used by condition vectors.
DAY_TYPES: tuple[str, ...] = ("workday", "saturday", "sunday-holiday")


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def german_holidays(year: int) -> frozenset[dt.date]:
    """Nation-wide German public holidays, the calendar the BDEW profiles assume."""
    easter = easter_sunday(year)
    movable = [easter + dt.timedelta(days=k) for k in (-2, 1, 39, 50)]  # Good Fri, Easter Mon, Ascension, Whit Mon
    fixed = [dt.date(year, m, d) for m, d in ((1, 1), (5, 1), (10, 3), (12, 25), (12, 26))]
    return frozenset(movable + fixed)


def day_type(day: dt.date, holidays: Iterable[dt.date] = ()) -> str:
    """``workday``, ``saturday`` or ``sunday-holiday`` (holidays count as Sundays)."""
    if day in holidays or day.weekday() == 6:
        return "sunday-holiday"
    return "saturday" if day.weekday() == 5 else "workday"


def bdew_season(day: dt.date) -> str:
    """Season of the 1999 BDEW tables: winter 1 Nov-20 Mar, summer 15 May-14 Sep, else transition."""
    md = (day.month, day.day)
    if md >= (11, 1) or md <= (3, 20):
        return "winter"
    if (5, 15) <= md <= (9, 14):
        return "summer"
    return "transition"


def dates_matching(year: int, month: int, kind: str, holidays: Iterable[dt.date] = ()) -> list[dt.date]:
    """All dates of ``year``/``month`` whose day type is ``kind`` (for synthetic export dates)."""
    holidays = frozenset(holidays)
    day = dt.date(year, month, 1)
    found = []
    while day.month == month:
        if day_type(day, holidays) == kind:
            found.append(day)
        day += dt.timedelta(days=1)
    return found
