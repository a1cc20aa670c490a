from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rubric.periods import (
    Cadence,
    Period,
    Schedule,
    due_periods_between,
    next_due,
    next_period,
    normalize_tz,
    parse_time,
    parse_weekday,
    period_at,
    period_for_key,
    period_start,
    previous_period,
    to_utc,
)

TICK = timedelta(microseconds=1)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def weekly(weekday: int, at: str, tz: str, cadence: Cadence = Cadence.WEEKLY) -> Schedule:
    return Schedule(cadence=cadence, weekday=weekday, at=parse_time(at), tz=tz)


# --- DST worked out by hand ----------------------------------------------------------------------
# Europe/Madrid 2026: CET (+1) until Sunday 29 March 02:00, then CEST (+2); back to CET on
# Sunday 25 October at 03:00 CEST (the hour 02:00-03:00 happens twice).


@pytest.mark.parametrize(
    ("now", "key", "due"),
    [
        ("2026-03-25T12:00", "2026-W13", "2026-03-23T08:00"),  # Monday 23 March, CET: 9 - 1
        ("2026-03-31T12:00", "2026-W14", "2026-03-30T07:00"),  # Monday 30 March, CEST: 9 - 2
        ("2026-10-21T12:00", "2026-W43", "2026-10-19T07:00"),  # Monday 19 October, CEST
        ("2026-10-28T12:00", "2026-W44", "2026-10-26T08:00"),  # Monday 26 October, CET
    ],
)
def test_nine_in_madrid_stays_nine_local_across_both_transitions(
    now: str, key: str, due: str
) -> None:
    period = period_at(weekly(0, "09:00", "Europe/Madrid"), utc(now))
    assert period.key == key
    assert period.due == utc(due)
    assert period.due.astimezone(ZoneInfo("Europe/Madrid")).time() == time(9, 0)


def test_nine_in_madrid_on_the_transition_sundays() -> None:
    schedule = weekly(6, "09:00", "Europe/Madrid")
    assert period_for_key(schedule, "2026-W13").due == utc("2026-03-29T07:00")  # CEST already
    assert period_for_key(schedule, "2026-W43").due == utc("2026-10-25T08:00")  # CET again


def test_week_bounds_follow_local_midnight_across_a_transition() -> None:
    period = period_for_key(weekly(0, "09:00", "Europe/Madrid"), "2026-W13")
    assert period.start == utc("2026-03-22T23:00")  # Monday 23 March 00:00 CET
    assert period.end == utc("2026-03-29T22:00")  # Monday 30 March 00:00 CEST
    assert period.end - period.start == timedelta(days=6, hours=23)


def test_a_time_in_the_spring_forward_gap_gives_exactly_one_due_time() -> None:
    schedule = weekly(6, "02:30", "Europe/Madrid")  # 02:30 does not exist on 29 March 2026
    periods = due_periods_between(schedule, utc("2026-03-28T00:00"), utc("2026-03-30T00:00"))
    assert [p.key for p in periods] == ["2026-W13"]
    # shifted forward by the one-hour gap: 03:30 CEST = 01:30Z
    assert periods[0].due == utc("2026-03-29T01:30")
    assert periods[0].due.astimezone(ZoneInfo("Europe/Madrid")).time() == time(3, 30)
    assert next_due(schedule, utc("2026-03-28T12:00")) == utc("2026-03-29T01:30")


def test_a_time_in_the_fall_back_fold_takes_its_first_occurrence() -> None:
    schedule = weekly(6, "02:30", "Europe/Madrid")  # 02:30 happens twice on 25 October 2026
    periods = due_periods_between(schedule, utc("2026-10-24T00:00"), utc("2026-10-26T00:00"))
    assert [p.due for p in periods] == [utc("2026-10-25T00:30")]  # 02:30 CEST, not 01:30Z


def test_lord_howe_half_hour_transitions() -> None:
    # Lord Howe: +10:30 standard, +11 summer; 2026 summer time ends Sunday 5 April at 02:00
    # (back to 01:30) and starts Sunday 4 October at 02:00 (forward to 02:30).
    gap = weekly(6, "02:15", "Australia/Lord_Howe")
    assert period_for_key(gap, "2026-W40").due == utc("2026-10-03T15:45")  # 02:45 +11
    fold = weekly(6, "01:45", "Australia/Lord_Howe")
    assert period_for_key(fold, "2026-W14").due == utc("2026-04-04T14:45")  # first, at +11


def test_chatham_gap_at_quarter_to_three() -> None:
    # Chatham: +12:45 standard, +13:45 summer from Sunday 27 September 2026 02:45 -> 03:45.
    schedule = weekly(6, "03:00", "Pacific/Chatham")
    due = period_for_key(schedule, "2026-W39").due
    assert due == utc("2026-09-26T14:15")  # 03:00 at the old offset = 04:00 +13:45
    assert due.astimezone(ZoneInfo("Pacific/Chatham")).time() == time(4, 0)


def test_a_zone_without_dst_is_a_fixed_offset() -> None:
    schedule = weekly(0, "09:00", "Asia/Kolkata")
    assert period_at(schedule, utc("2026-06-10T00:00")).due == utc("2026-06-08T03:30")


def test_to_utc_shifts_gaps_forward_and_takes_the_first_of_a_fold() -> None:
    madrid = ZoneInfo("Europe/Madrid")
    assert to_utc(datetime(2026, 3, 29, 2, 30), madrid) == utc("2026-03-29T01:30")
    assert to_utc(datetime(2026, 10, 25, 2, 30), madrid) == utc("2026-10-25T00:30")
    assert to_utc(datetime(2026, 10, 25, 2, 30, fold=1), madrid) == utc("2026-10-25T00:30")


# --- keys and cadences ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cadence", "key", "start", "due"),
    [
        # Wednesday 09:00 UTC: the first Wednesday in the period
        (Cadence.WEEKLY, "2026-W48", "2026-11-23", "2026-11-25T09:00"),
        (Cadence.BIWEEKLY, "2026-W47+2", "2026-11-16", "2026-11-18T09:00"),
        (Cadence.MONTHLY, "2026-11", "2026-11-01", "2026-11-04T09:00"),  # 1 Nov is a Sunday
        (Cadence.QUARTERLY, "2026-Q4", "2026-10-01", "2026-10-07T09:00"),  # 1 Oct is a Thursday
    ],
)
def test_keys_and_due_times_per_cadence(cadence: Cadence, key: str, start: str, due: str) -> None:
    schedule = weekly(2, "09:00", "UTC", cadence)
    period = period_at(schedule, utc("2026-11-25T10:00"))
    assert period.key == key
    assert period.start == utc(f"{start}T00:00")
    assert period.due == utc(due)
    assert period_for_key(schedule, key) == period


def test_biweekly_pairs_run_across_a_53_week_year() -> None:
    # ISO 2026 has 53 weeks; pairs are anchored on 2024-W01, so 2026-W53 starts a pair.
    schedule = weekly(0, "09:00", "UTC", Cadence.BIWEEKLY)
    last = period_for_key(schedule, "2026-W53+2")
    assert last.start == utc("2026-12-28T00:00")
    assert last.end == utc("2027-01-11T00:00")
    following = next_period(schedule, last)
    assert following.key == "2027-W02+2"
    assert following.start == last.end
    assert previous_period(schedule, following) == last


def test_a_week_that_does_not_start_a_pair_is_rejected_with_the_right_key() -> None:
    schedule = weekly(0, "09:00", "UTC", Cadence.BIWEEKLY)
    with pytest.raises(ValueError, match="2026-W53"):
        period_for_key(schedule, "2027-W01+2")


@pytest.mark.parametrize(
    ("cadence", "key"),
    [
        (Cadence.WEEKLY, "2026-W54"),
        (Cadence.WEEKLY, "2026-11"),
        (Cadence.WEEKLY, "2026-W5"),
        (Cadence.MONTHLY, "2026-13"),
        (Cadence.MONTHLY, "2026-W48"),
        (Cadence.QUARTERLY, "2026-Q5"),
        (Cadence.BIWEEKLY, "2026-W47"),
    ],
)
def test_malformed_keys_are_rejected(cadence: Cadence, key: str) -> None:
    with pytest.raises(ValueError, match=key.replace("+", r"\+")):
        period_for_key(weekly(0, "09:00", "UTC", cadence), key)


def test_next_and_previous_cross_year_ends() -> None:
    monthly = weekly(0, "09:00", "UTC", Cadence.MONTHLY)
    december = period_for_key(monthly, "2026-12")
    assert next_period(monthly, december).key == "2027-01"
    assert previous_period(monthly, next_period(monthly, december)) == december
    quarterly = weekly(0, "09:00", "UTC", Cadence.QUARTERLY)
    assert previous_period(quarterly, period_for_key(quarterly, "2027-Q1")).key == "2026-Q4"
    week = weekly(0, "09:00", "UTC")
    last_week = period_at(week, utc("2026-12-30T00:00"))  # Wednesday 30 December 2026
    assert last_week.key == "2026-W53"
    assert next_period(week, last_week).key == "2027-W01"


def test_next_due_is_strictly_after_now() -> None:
    schedule = weekly(0, "09:00", "UTC")
    assert next_due(schedule, utc("2026-11-23T08:59")) == utc("2026-11-23T09:00")
    assert next_due(schedule, utc("2026-11-23T09:00")) == utc("2026-11-30T09:00")


def test_due_periods_between_catch_up_missed_weeks() -> None:
    schedule = weekly(0, "09:00", "UTC")
    periods = due_periods_between(schedule, utc("2026-11-02T09:00"), utc("2026-11-23T09:00"))
    # due 9 Nov, 16 Nov and 23 Nov; 2 Nov is the start, excluded
    assert [p.key for p in periods] == ["2026-W46", "2026-W47", "2026-W48"]
    assert due_periods_between(schedule, utc("2026-11-23T09:00"), utc("2026-11-23T09:00")) == []


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        period_at(Schedule.default(), datetime(2026, 1, 1))


# --- schedule validation and parsing -------------------------------------------------------------


def test_default_schedule_is_weekly_monday_at_ten_utc() -> None:
    schedule = Schedule.default()
    assert (schedule.cadence, schedule.weekday, schedule.at, schedule.tz) == (
        Cadence.WEEKLY,
        0,
        time(10, 0),
        "UTC",
    )


def test_schedule_accepts_a_cadence_given_as_text() -> None:
    schedule = Schedule(cadence="monthly", weekday=0, at=time(9), tz="UTC")  # type: ignore[arg-type]
    assert schedule.cadence is Cadence.MONTHLY


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weekday": 7}, "weekday must be 0"),
        ({"weekday": -1}, "weekday must be 0"),
        ({"weekday": True}, "weekday must be 0"),
        ({"tz": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
        ({"tz": "europe/madrid"}, "did you mean Europe/Madrid"),
        ({"tz": "localtime"}, "unknown time zone"),
        ({"tz": "America"}, "unknown time zone"),
        ({"tz": ""}, "IANA name"),
        ({"cadence": "daily"}, "unknown cadence 'daily'"),
        ({"at": time(9, tzinfo=UTC)}, "without a zone"),
    ],
)
def test_schedule_rejects_bad_values_with_a_clear_message(
    kwargs: dict[str, object], message: str
) -> None:
    values: dict[str, object] = {
        "cadence": Cadence.WEEKLY,
        "weekday": 0,
        "at": time(9),
        "tz": "UTC",
    }
    values.update(kwargs)
    with pytest.raises(ValueError, match=message):
        Schedule(**values)  # type: ignore[arg-type]


def test_normalize_tz_fixes_the_case_of_a_zone_name() -> None:
    assert normalize_tz(" america/sao_paulo ") == "America/Sao_Paulo"
    with pytest.raises(ValueError, match="unknown time zone"):
        normalize_tz("Atlantis")


@pytest.mark.parametrize(
    ("text", "weekday"),
    [
        ("mon", 0),
        ("Monday", 0),
        ("lunes", 0),
        ("Lun.", 0),
        ("tue", 1),
        ("martes", 1),
        ("wednesday", 2),
        ("miércoles", 2),
        ("MIERCOLES", 2),
        ("mié", 2),
        ("thurs", 3),
        ("jueves", 3),
        ("fri", 4),
        ("vie", 4),
        ("saturday", 5),
        ("sábado", 5),
        ("sab", 5),
        ("sun", 6),
        (" domingo ", 6),
    ],
)
def test_weekdays_are_read_in_english_and_spanish(text: str, weekday: int) -> None:
    assert parse_weekday(text) == weekday


@pytest.mark.parametrize("text", ["", "someday", "m", "8", "lunesx"])
def test_unknown_weekdays_are_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="unknown weekday"):
        parse_weekday(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:30", time(9, 30)),
        ("9:30", time(9, 30)),
        ("9.30", time(9, 30)),
        ("9h30", time(9, 30)),
        ("9h", time(9, 0)),
        ("9", time(9, 0)),
        ("00:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("9:30 pm", time(21, 30)),
        ("12am", time(0, 0)),
        ("12 p.m.", time(12, 0)),
    ],
)
def test_times_are_read_in_common_forms(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["", "24:00", "9:60", "13pm", "0am", "nine", "9:3", "09:30:00"])
def test_bad_times_are_rejected(text: str) -> None:
    with pytest.raises(ValueError, match=r"time|hour|minutes"):
        parse_time(text)


# --- properties ----------------------------------------------------------------------------------

ZONES = (
    "Europe/Madrid",
    "America/Sao_Paulo",
    "Australia/Lord_Howe",
    "America/New_York",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "UTC",
)
# Times that fall in a gap or fold in at least one of the zones above, plus any time at all.
TRICKY_TIMES = (
    *(time(h, m) for h, m in ((0, 0), (0, 30), (1, 30), (1, 45), (2, 0), (2, 15), (2, 30))),
    *(time(h, m) for h, m in ((2, 45), (3, 0), (3, 15), (3, 45), (23, 30))),
    time(23, 59, 59, 999999),
)

schedules = st.builds(
    Schedule,
    cadence=st.sampled_from(list(Cadence)),
    weekday=st.integers(0, 6),
    at=st.one_of(st.sampled_from(TRICKY_TIMES), st.times()),
    tz=st.sampled_from(ZONES),
)
instants = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2040, 12, 31),
    timezones=st.just(UTC),
)


def local(instant: datetime, schedule: Schedule) -> datetime:
    return instant.astimezone(schedule.zone).replace(tzinfo=None)


def exists(wall: datetime, schedule: Schedule) -> bool:
    return local(to_utc(wall, schedule.zone), schedule) == wall


@given(schedules, instants)
def test_a_period_contains_now_and_its_due_time(schedule: Schedule, now: datetime) -> None:
    period = period_at(schedule, now)
    assert period.start <= now < period.end
    assert period.start <= period.due < period.end
    assert now in period
    for instant in (period.start, period.end, period.due):
        assert instant.utcoffset() == timedelta(0)


@given(schedules, instants, st.floats(0, 1, exclude_max=True))
def test_a_period_key_is_stable_inside_and_changes_at_its_bounds(
    schedule: Schedule, now: datetime, fraction: float
) -> None:
    period = period_at(schedule, now)
    inside = period.start + (period.end - period.start) * fraction
    inside = min(max(inside, period.start), period.end - TICK)
    for instant in (period.start, inside, period.due, period.end - TICK):
        assert period_at(schedule, instant) == period
    assert period_at(schedule, period.end).key != period.key
    assert period_at(schedule, period.start - TICK).key != period.key


@given(schedules, instants)
@settings(max_examples=60)
def test_due_times_of_consecutive_periods_strictly_increase(
    schedule: Schedule, now: datetime
) -> None:
    period = period_at(schedule, now)
    for _ in range(30):
        following = next_period(schedule, period)
        assert following.start == period.end
        assert following.due > period.due
        assert following.key > period.key  # keys sort in time order
        assert previous_period(schedule, following) == period
        period = following


@given(schedules, instants)
def test_a_due_time_belongs_to_its_own_period(schedule: Schedule, now: datetime) -> None:
    period = period_at(schedule, now)
    assert period_at(schedule, period.due).key == period.key
    assert period_for_key(schedule, period.key) == period


@given(schedules, instants)
def test_periods_start_at_the_first_instant_of_their_local_first_day(
    schedule: Schedule, now: datetime
) -> None:
    period = period_at(schedule, now)
    first = local(period.start, schedule)
    assert local(period.start - TICK, schedule).date() < first.date()
    assert first.time() <= time(1, 0)  # midnight, or just after a gap at midnight
    if schedule.cadence is Cadence.WEEKLY:
        assert first.date().weekday() == 0
        assert period.key == first.strftime("%G-W%V")
    elif schedule.cadence is Cadence.MONTHLY:
        assert first.day == 1
        assert period.key == first.strftime("%Y-%m")
    elif schedule.cadence is Cadence.QUARTERLY:
        assert (first.day, first.month % 3) == (1, 1)


@given(schedules, instants)
def test_the_due_time_is_the_first_weekday_at_the_local_time_or_just_after_a_gap(
    schedule: Schedule, now: datetime
) -> None:
    period = period_at(schedule, now)
    first_day = local(period.start, schedule).date()
    due_day = first_day + timedelta(days=(schedule.weekday - first_day.weekday()) % 7)
    wall = datetime.combine(due_day, schedule.at)
    due_local = local(period.due, schedule)
    if exists(wall, schedule):
        assert due_local == wall
    else:  # shifted forward by the gap, at most an hour in these zones
        assert wall < due_local <= wall + timedelta(hours=1)


@given(schedules, instants)
def test_next_due_is_the_first_due_time_strictly_after_now(
    schedule: Schedule, now: datetime
) -> None:
    due = next_due(schedule, now)
    assert due > now
    owner = period_at(schedule, due)
    assert owner.due == due
    assert previous_period(schedule, owner).due <= now


@given(schedules, instants, st.integers(0, 24 * 200))
@settings(max_examples=60)
def test_due_periods_between_lists_every_due_time_once(
    schedule: Schedule, start: datetime, hours: int
) -> None:
    end = start + timedelta(hours=hours)
    periods = due_periods_between(schedule, start, end)
    assert all(start < p.due <= end for p in periods)
    expected: list[Period] = []
    cursor = start
    while (due := next_due(schedule, cursor)) <= end:
        expected.append(period_at(schedule, due))
        cursor = due
    assert periods == expected
    assert len({p.key for p in periods}) == len(periods)


def test_every_local_day_of_a_year_maps_to_one_weekly_period_per_week() -> None:
    # A brute-force cross-check: walk 2026 hour by hour in Madrid and count distinct keys.
    schedule = weekly(3, "02:30", "Europe/Madrid")
    instant = utc("2026-01-01T00:00")
    keys: list[str] = []
    while instant < utc("2027-01-01T00:00"):
        key = period_at(schedule, instant).key
        if not keys or keys[-1] != key:
            keys.append(key)
        instant += timedelta(hours=1)
    # 1 January 2026 (a Thursday) is in 2026-W01; 31 December 2026 (a Thursday) is in 2026-W53.
    assert keys == [f"2026-W{n:02d}" for n in range(1, 54)]
    assert date(2026, 12, 31).isocalendar().week == 53


@pytest.mark.parametrize(
    ("key", "start"),
    [
        ("2025-W09", date(2025, 2, 24)),
        ("2025-W09+2", date(2025, 2, 24)),
        ("2025-03", date(2025, 3, 1)),
        ("2025-Q2", date(2025, 4, 1)),
        ("2025-W10+2", None),  # no two-week period starts on an even week here
        ("2025-13", None),
        ("last week", None),
    ],
)
def test_a_period_key_names_its_first_day_whatever_its_cadence(
    key: str, start: date | None
) -> None:
    assert period_start(key) == start
