"""Calendar helpers: months, working days and Acme's company holidays."""

from __future__ import annotations

from datetime import date, timedelta

ONE_DAY = timedelta(days=1)

_EASTER = {2024: date(2024, 3, 31), 2025: date(2025, 4, 20), 2026: date(2026, 4, 5), 2027: date(2027, 3, 28)}


def _holidays() -> frozenset[date]:
    days: set[date] = set()
    for year, easter in _EASTER.items():
        days |= {
            date(year, 1, 1),
            date(year, 5, 1),
            date(year, 12, 24),
            date(year, 12, 25),
            date(year, 12, 26),
            date(year, 12, 31),
        }
        days |= {easter - timedelta(days=2), easter + ONE_DAY}
    return frozenset(days)


# Company-wide days off, so daily usage shows the gaps a real CRM log has.
HOLIDAYS = _holidays()


def add_months(d: date, n: int) -> date:
    """The first day of the month `n` months after the month of `d`."""
    index = d.year * 12 + d.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_end(d: date) -> date:
    """The last day of the month of `d`."""
    return add_months(d, 1) - ONE_DAY


def month_starts(start: date, end: date) -> list[date]:
    """First days of every month from the month of `start` to the month of `end`."""
    months, current = [], date(start.year, start.month, 1)
    while current <= end:
        months.append(current)
        current = add_months(current, 1)
    return months


def is_workday(d: date) -> bool:
    """Monday to Friday and not a company holiday."""
    return d.weekday() < 5 and d not in HOLIDAYS


def days(start: date, end: date) -> list[date]:
    """Every date from `start` to `end`, both included."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def workdays(start: date, end: date) -> list[date]:
    """Working days from `start` to `end`, both included."""
    return [d for d in days(start, end) if is_workday(d)]


def next_workday(d: date) -> date:
    """`d` itself if it is a working day, else the next one."""
    while not is_workday(d):
        d += ONE_DAY
    return d


def nth_weekday(month: date, weekday: int, n: int) -> date:
    """The `n`-th (1-based; -1 = last) `weekday` (Monday = 0) of the month of `month`."""
    if n > 0:
        first = date(month.year, month.month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = month_end(month)
    return last - timedelta(days=(last.weekday() - weekday) % 7)
