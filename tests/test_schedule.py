"""Schedule arithmetic: local rules, UTC instants, DST, postponements."""

from datetime import UTC, date, datetime, time

import pytest

from bot.domain.schedule import (
    EventKind,
    GroupSchedule,
    ScheduleError,
    parse_timezone,
    parse_weekday_time,
)


def make(
    tz: str = "Africa/Bamako", starts: date = date(2026, 12, 3), **kw: object
) -> GroupSchedule:
    base: dict[str, object] = dict(
        timezone=tz,
        meet_weekday=3,
        meet_time=time(17, 0),
        deliver_weekday=4,
        deliver_time=time(9, 0),
        starts=starts,
        weeks=12,
    )
    base.update(kw)
    return GroupSchedule(**base)  # type: ignore[arg-type]


def test_delivery_is_the_day_after_the_meeting_in_local_time() -> None:
    s = make(tz="America/Managua")  # UTC-6, no DST
    assert s.delivery_at(1) == datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
    assert s.delivery_at(2) == datetime(2026, 12, 11, 15, 0, tzinfo=UTC)
    assert s.checkin_at(1) == datetime(2026, 12, 7, 15, 0, tzinfo=UTC)


def test_local_time_is_kept_across_dst_in_paris() -> None:
    # Meetings on Thursdays from 2027-03-18: Paris moves to summer time on 2027-03-28.
    s = make(tz="Europe/Paris", starts=date(2027, 3, 18))
    before, after = s.delivery_at(1), s.delivery_at(2)
    assert before == datetime(2027, 3, 19, 8, 0, tzinfo=UTC)  # 09:00 CET
    assert after == datetime(2027, 3, 26, 8, 0, tzinfo=UTC)  # still winter time
    assert s.delivery_at(3) == datetime(2027, 4, 2, 7, 0, tzinfo=UTC)  # 09:00 CEST


def test_new_york_fall_back() -> None:
    s = make(tz="America/New_York", starts=date(2026, 10, 29))  # DST ends 2026-11-01
    assert s.delivery_at(1) == datetime(2026, 10, 30, 13, 0, tzinfo=UTC)  # 09:00 EDT
    assert s.delivery_at(2) == datetime(2026, 11, 6, 14, 0, tzinfo=UTC)  # 09:00 EST


def test_a_time_in_the_spring_gap_moves_forward() -> None:
    # 02:30 does not exist in Paris on 2027-03-28; it happens at 03:30 CEST = 01:30 UTC.
    s = make(
        tz="Europe/Paris", starts=date(2027, 3, 25), deliver_weekday=6, deliver_time=time(2, 30)
    )
    assert s.delivery_at(1) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)


def test_postponement_shifts_later_weeks_only() -> None:
    s = make(postponed_weeks=(3,))
    plain = make()
    assert s.meeting_day(2) == plain.meeting_day(2)
    assert s.meeting_day(3) == date(2026, 12, 24)
    assert s.meeting_day(4) == date(2026, 12, 31)


def test_current_week_and_events() -> None:
    s = make(weeks=2)
    assert s.current_week(datetime(2026, 12, 4, 8, 59, tzinfo=UTC)) == 0
    assert s.current_week(datetime(2026, 12, 4, 9, 0, tzinfo=UTC)) == 1
    kinds = [(e.kind, e.week) for e in s.events()]
    assert kinds == [
        (EventKind.PROMPT, 1),
        (EventKind.CHECKIN, 1),
        (EventKind.PROMPT, 2),
        (EventKind.CHECKIN, 2),
    ]
    assert s.finished(datetime(2026, 12, 15, tzinfo=UTC))


def test_same_day_delivery_before_the_meeting_goes_to_next_week() -> None:
    s = make(deliver_weekday=3, deliver_time=time(9, 0))
    assert s.delivery_day(1) == date(2026, 12, 10)


@pytest.mark.parametrize("text", ["thursday", "thu 25:00", "xyz 10:00", ""])
def test_bad_weekday_times(text: str) -> None:
    with pytest.raises(ScheduleError):
        parse_weekday_time(text)


@pytest.mark.parametrize("name", ["Mars/Base", "bamako", "", "../etc/passwd"])
def test_bad_timezones(name: str) -> None:
    with pytest.raises(ScheduleError):
        parse_timezone(name)


@pytest.mark.parametrize(
    ("text", "day"),
    [("thu 17:00", 3), ("Thursday 17:00", 3), ("jeudi 17:00", 3), ("ven. 09:00", 4),
     ("jueves 17:00", 3), ("miércoles 9:00", 2), ("mie 9:00", 2), ("alamisa 17:00", 3)],
)  # fmt: skip
def test_weekdays_in_every_language(text: str, day: int) -> None:
    assert parse_weekday_time(text)[0] == day
