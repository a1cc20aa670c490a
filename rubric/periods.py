"""Check-in periods: cadence + weekday + local time + IANA zone + `now` -> period key and due time.

Periods are local calendar periods in the schedule's zone (ISO weeks, pairs of ISO weeks, months,
quarters), starting at local midnight. Their bounds and due times are returned as aware UTC
datetimes; the clock is never read here, `now` is always passed in.

Local wall times are turned into instants with PEP 495 semantics (fold=0): a time that falls in a
DST gap is shifted forward by the length of the gap (02:30 on a spring-forward night at 02:00 ->
03:30), and a time that occurs twice is taken at its first occurrence. So every period has exactly
one due time, and no arithmetic is ever done on local times across a transition.
"""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo

# Biweekly periods pair ISO weeks counting from this Monday (ISO 2024-W01), so the pairing never
# depends on when a team signed up and never shifts at a year with 53 ISO weeks.
BIWEEKLY_ANCHOR = date(2024, 1, 1)
_TICK = timedelta(microseconds=1)


class Cadence(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


@dataclass(frozen=True)
class Schedule:
    """When a team checks in: the first `weekday` (0 = Monday) of each period at local time `at`
    in the IANA zone `tz`."""

    cadence: Cadence
    weekday: int
    at: time
    tz: str

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "cadence", Cadence(self.cadence))
        except ValueError:
            choices = ", ".join(c.value for c in Cadence)
            raise ValueError(f"unknown cadence {self.cadence!r}: use one of {choices}") from None
        if (
            isinstance(self.weekday, bool)
            or not isinstance(self.weekday, int)
            or not 0 <= self.weekday <= 6
        ):
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {self.weekday!r}")
        if not isinstance(self.at, time):
            raise ValueError(f"at must be a time of day, got {self.at!r}")
        if self.at.tzinfo is not None:
            raise ValueError("at must be a local time without a zone; the zone goes in tz")
        zone_for(self.tz)

    @classmethod
    def default(cls) -> Schedule:
        """Mondays at 10:00 UTC, weekly: late enough for everyone in Europe to be at work."""
        return cls(cadence=Cadence.WEEKLY, weekday=0, at=time(10, 0), tz="UTC")

    @property
    def zone(self) -> ZoneInfo:
        return zone_for(self.tz)


@dataclass(frozen=True)
class Period:
    """One check-in period: [start, end) with its due time inside, all aware UTC datetimes."""

    key: str
    start: datetime
    end: datetime
    due: datetime

    def __contains__(self, instant: datetime) -> bool:
        return self.start <= instant < self.end


def zone_for(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA name, with a ValueError a person can act on."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"time zone must be an IANA name such as Europe/Madrid, got {name!r}")
    if name not in _zone_names():
        hint = _ZONE_HINT
        canonical = _zone_names_folded().get(name.strip().lower())
        if canonical is not None:
            hint = f"did you mean {canonical}?"
        raise ValueError(f"unknown time zone {name!r}: {hint}")
    return ZoneInfo(name)


def normalize_tz(name: str) -> str:
    """The canonical spelling of a zone name typed in any case ("europe/madrid" ->
    "Europe/Madrid"); ValueError when there is no such zone."""
    canonical = _zone_names_folded().get(name.strip().lower()) if isinstance(name, str) else None
    if canonical is None:
        raise ValueError(f"unknown time zone {name!r}: {_ZONE_HINT}")
    return canonical


_ZONE_HINT = "use an IANA name such as Europe/Madrid, America/Sao_Paulo or UTC"
# Names that depend on the machine or mean "no zone" are not accepted for a team.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones() - _NOT_ZONES)


@cache
def _zone_names_folded() -> dict[str, str]:
    return {name.lower(): name for name in _zone_names()}


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """A naive local wall time in `zone` as a UTC instant: gaps shift forward, folds take the
    first occurrence (PEP 495 fold=0, which zoneinfo implements)."""
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


# --- the calendar arithmetic, all on local dates ------------------------------------------------


def _start_date(cadence: Cadence, day: date) -> date:
    """The first local date of the period containing `day`."""
    if cadence is Cadence.WEEKLY:
        return day - timedelta(days=day.weekday())
    if cadence is Cadence.BIWEEKLY:
        monday = day - timedelta(days=day.weekday())
        pair = (monday - BIWEEKLY_ANCHOR).days // 14
        return BIWEEKLY_ANCHOR + timedelta(days=14 * pair)
    if cadence is Cadence.MONTHLY:
        return day.replace(day=1)
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _end_date(cadence: Cadence, start: date) -> date:
    """The first local date of the following period."""
    if cadence is Cadence.WEEKLY:
        return start + timedelta(days=7)
    if cadence is Cadence.BIWEEKLY:
        return start + timedelta(days=14)
    months = 1 if cadence is Cadence.MONTHLY else 3
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _key(cadence: Cadence, start: date) -> str:
    if cadence in (Cadence.WEEKLY, Cadence.BIWEEKLY):
        iso = start.isocalendar()
        week = f"{iso.year:04d}-W{iso.week:02d}"
        return week if cadence is Cadence.WEEKLY else f"{week}+2"
    if cadence is Cadence.MONTHLY:
        return f"{start.year:04d}-{start.month:02d}"
    return f"{start.year:04d}-Q{(start.month - 1) // 3 + 1}"


_KEY_PATTERNS = {
    Cadence.WEEKLY: re.compile(r"(\d{4})-W(\d{2})"),
    Cadence.BIWEEKLY: re.compile(r"(\d{4})-W(\d{2})\+2"),
    Cadence.MONTHLY: re.compile(r"(\d{4})-(\d{2})"),
    Cadence.QUARTERLY: re.compile(r"(\d{4})-Q([1-4])"),
}
_KEY_EXAMPLES = {
    Cadence.WEEKLY: "2026-W48",
    Cadence.BIWEEKLY: "2026-W47+2",
    Cadence.MONTHLY: "2026-11",
    Cadence.QUARTERLY: "2026-Q4",
}


def _start_of_key(cadence: Cadence, key: str) -> date:
    match = _KEY_PATTERNS[cadence].fullmatch(key)
    if match is None:
        example = _KEY_EXAMPLES[cadence]
        raise ValueError(f"{key!r} is not a {cadence.value} period key (like {example!r})")
    year, number = int(match[1]), int(match[2])
    try:
        if cadence in (Cadence.WEEKLY, Cadence.BIWEEKLY):
            start = date.fromisocalendar(year, number, 1)
        elif cadence is Cadence.MONTHLY:
            start = date(year, number, 1)
        else:
            start = date(year, 3 * (number - 1) + 1, 1)
    except ValueError as error:
        raise ValueError(f"{key!r} is not a real {cadence.value} period: {error}") from None
    if _start_date(cadence, start) != start:
        raise ValueError(
            f"{key!r} does not start a two-week period; "
            f"{_key(cadence, _start_date(cadence, start))!r} does"
        )
    return start


def period_start(key: str) -> date | None:
    """The first day of the period `key` names, whatever its cadence: what orders periods
    (their keys do not sort across cadences, nor do answers' times, since a late answer can
    come after the next period's). None for a key no cadence makes."""
    for cadence, pattern in _KEY_PATTERNS.items():
        if pattern.fullmatch(key):
            try:
                return _start_of_key(cadence, key)
            except ValueError:
                return None
    return None


def _due_date(schedule: Schedule, start: date) -> date:
    """The first `weekday` on or after the period's first day."""
    return start + timedelta(days=(schedule.weekday - start.weekday()) % 7)


def _period(schedule: Schedule, start_day: date) -> Period:
    zone = schedule.zone
    cadence = schedule.cadence
    end_day = _end_date(cadence, start_day)
    start = to_utc(datetime.combine(start_day, time()), zone)
    end = to_utc(datetime.combine(end_day, time()), zone)
    due = to_utc(datetime.combine(_due_date(schedule, start_day), schedule.at), zone)
    # A gap shift can only push a due time past the end if a zone jumped forward across local
    # midnight right after it; keep the invariant "due inside the period" even then.
    due = max(start, min(due, end - _TICK))
    return Period(key=_key(cadence, start_day), start=start, end=end, due=due)


# --- public API -----------------------------------------------------------------------------


def period_at(schedule: Schedule, now: datetime) -> Period:
    """The period containing the instant `now` (an aware datetime)."""
    _require_aware(now, "now")
    cadence = schedule.cadence
    day = _start_date(cadence, now.astimezone(schedule.zone).date())
    period = _period(schedule, day)
    # Around a transition at local midnight the local date can disagree with the instant-based
    # bounds (for example in the repeated hour after a fall-back at 00:00); the bounds win.
    while now < period.start:
        day = _start_date(cadence, day - timedelta(days=1))
        period = _period(schedule, day)
    while now >= period.end:
        day = _end_date(cadence, day)
        period = _period(schedule, day)
    return period


def period_for_key(schedule: Schedule, key: str) -> Period:
    """The period a key names, for the schedule's cadence; ValueError for a malformed key."""
    return _period(schedule, _start_of_key(schedule.cadence, key))


def next_period(schedule: Schedule, period: Period) -> Period:
    return _period(schedule, _end_date(schedule.cadence, _start_of(schedule, period)))


def previous_period(schedule: Schedule, period: Period) -> Period:
    return _period(schedule, _previous_start(schedule, period))


def next_due(schedule: Schedule, now: datetime) -> datetime:
    """The first due time strictly after `now`."""
    period = period_at(schedule, now)
    if period.due > now:
        return period.due
    return next_period(schedule, period).due


def due_periods_between(schedule: Schedule, start: datetime, end: datetime) -> list[Period]:
    """Periods whose due time is in (start, end], oldest first: what a scheduler that last ran at
    `start` owes at `end`."""
    _require_aware(start, "start")
    _require_aware(end, "end")
    periods: list[Period] = []
    if end <= start:
        return periods
    period = period_at(schedule, start)
    while period.due <= end:
        if period.due > start:
            periods.append(period)
        period = next_period(schedule, period)
    return periods


def _start_of(schedule: Schedule, period: Period) -> date:
    return _start_of_key(schedule.cadence, period.key)


def _previous_start(schedule: Schedule, period: Period) -> date:
    start = _start_of(schedule, period)
    return _start_date(schedule.cadence, start - timedelta(days=1))


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got naive {value.isoformat()}")


# --- parsing what people type -----------------------------------------------------------------

_WEEKDAYS: dict[str, int] = {}
for _index, _names in enumerate(
    (
        ("monday", "mon", "mo", "lunes", "lun", "lu"),
        ("tuesday", "tue", "tues", "tu", "martes", "mar", "ma"),
        ("wednesday", "wed", "we", "miercoles", "mie", "mi", "x"),
        ("thursday", "thu", "thur", "thurs", "th", "jueves", "jue", "ju", "j"),
        ("friday", "fri", "fr", "viernes", "vie", "vi", "v"),
        ("saturday", "sat", "sa", "sabado", "sab"),
        ("sunday", "sun", "su", "domingo", "dom", "do"),
    )
):
    for _name in _names:
        _WEEKDAYS[_name] = _index


def parse_weekday(text: str) -> int:
    """A weekday (0 = Monday) from an English or Spanish name or abbreviation, any case, with or
    without accents or a trailing dot: "Mon", "monday", "lunes", "Mié.", "sábado"."""
    word = _fold(text).rstrip(".")
    if word in _WEEKDAYS:
        return _WEEKDAYS[word]
    raise ValueError(f"unknown weekday {text!r}: use a day name such as monday or lunes")


_TIME = re.compile(r"(\d{1,2})(?:\s*[:.h]\s*(\d{2}))?\s*(?:h|hs)?\s*(am|pm|a\.m\.|p\.m\.)?")


def parse_time(text: str) -> time:
    """A time of day from "09:30", "9:30", "9.30", "9h30", "9h", "9" or "9:30 pm"."""
    match = _TIME.fullmatch(_fold(text))
    if match is None:
        raise ValueError(f"{text!r} is not a time of day: write it like 09:30")
    hour, minute = int(match[1]), int(match[2] or 0)
    meridiem = (match[3] or "").replace(".", "")
    if meridiem:
        if not 1 <= hour <= 12:
            raise ValueError(f"{text!r}: with am/pm the hour must be 1 to 12")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if not 0 <= hour <= 23:
        raise ValueError(f"{text!r}: the hour must be 0 to 23")
    if not 0 <= minute <= 59:
        raise ValueError(f"{text!r}: the minutes must be 0 to 59")
    return time(hour, minute)


def _fold(text: str) -> str:
    """Lower case without accents or surrounding blanks ("Miércoles " -> "miercoles")."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))
