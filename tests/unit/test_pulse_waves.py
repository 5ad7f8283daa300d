"""Pulse waves: when they open in the program's zone, when each person is asked and reminded in
theirs, and what one pass of the job does with the database.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from slack_sdk import WebClient

from bot.checkins.schedule import SEND_WINDOW, Cadence, next_window, previous_window
from bot.clock import FrozenClock
from bot.db import Database
from bot.pulse import ballots
from bot.pulse.waves import (
    WaveService,
    add_months,
    due_wave,
    invitation_due,
    reminder_due,
    roles_for,
    wave_closes_at,
    wave_day,
    wave_opens_at,
)
from bot.slack.people import PeopleDirectory
from models import (
    Membership,
    MembershipStatus,
    OutboxMessage,
    Person,
    ProgramOwner,
    PulseInvitation,
    PulseSchedule,
    PulseSurvey,
    PulseWave,
    Role,
)
from tests import factories

TEN = Cadence(local_hour=10)
ZONES = [
    "America/New_York",
    "America/Los_Angeles",
    "Europe/Berlin",
    "Europe/London",
    "Pacific/Auckland",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "UTC",
]


def local(instant: datetime, timezone: str) -> datetime:
    return instant.astimezone(ZoneInfo(timezone))


def midnight(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


# -- when waves open ----------------------------------------------------------------------


def test_weekly_waves_open_at_midnight_in_the_program_zone_across_both_changes() -> None:
    starts = midnight(date(2027, 3, 22), "Europe/Berlin")  # a Monday, before CEST (28 March)
    opens = [wave_opens_at(starts, PulseSchedule.WEEKLY, "Europe/Berlin", n) for n in range(1, 34)]
    assert opens[0] == datetime(2027, 3, 21, 23, tzinfo=UTC)  # 00:00 CET
    assert opens[1] == datetime(2027, 3, 28, 22, tzinfo=UTC)  # 00:00 CEST
    assert opens[32] == datetime(2027, 11, 1, 0, tzinfo=UTC) - timedelta(hours=1)  # CET again
    for instant in opens:
        there = local(instant, "Europe/Berlin")
        assert (there.weekday(), there.hour, there.minute) == (0, 0, 0)
    assert all(
        b - a in {timedelta(days=7, hours=h) for h in (-1, 0, 1)}
        for a, b in itertools.pairwise(opens)
    )


def test_biweekly_waves_in_new_york_keep_their_weekday_across_the_march_change() -> None:
    starts = midnight(date(2027, 3, 2), "America/New_York")  # a Tuesday
    opens = [
        wave_opens_at(starts, PulseSchedule.BIWEEKLY, "America/New_York", n) for n in (1, 2, 3)
    ]
    assert opens == [
        datetime(2027, 3, 2, 5, tzinfo=UTC),  # EST
        datetime(2027, 3, 16, 4, tzinfo=UTC),  # EDT, from 14 March
        datetime(2027, 3, 30, 4, tzinfo=UTC),
    ]


def test_monthly_waves_keep_the_day_of_the_month_and_move_off_weekends() -> None:
    start = date(2027, 3, 31)  # a Wednesday
    days = [wave_day(start, PulseSchedule.MONTHLY, n) for n in range(1, 6)]
    assert days == [
        date(2027, 3, 31),
        date(2027, 4, 30),  # April has 30 days
        date(2027, 5, 31),  # back to the 31st, not stuck at the 30th
        date(2027, 6, 30),
        date(2027, 8, 2),  # 31 July is a Saturday: the Monday after
    ]
    opens = wave_opens_at(
        midnight(start, "Pacific/Auckland"), PulseSchedule.MONTHLY, "Pacific/Auckland", 2
    )
    assert local(opens, "Pacific/Auckland").replace(tzinfo=None) == datetime(2027, 4, 30)


def test_months_are_added_by_the_calendar() -> None:
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2027, 11, 15), 3) == date(2028, 2, 15)
    assert add_months(date(2027, 12, 31), 12) == date(2028, 12, 31)


def test_a_weekend_start_opens_on_the_monday_after_and_once_means_one_wave() -> None:
    assert wave_day(date(2027, 3, 6), PulseSchedule.WEEKLY, 1) == date(2027, 3, 8)
    assert wave_day(date(2027, 3, 6), PulseSchedule.WEEKLY, 2) == date(2027, 3, 15)
    with pytest.raises(ValueError):
        wave_day(date(2027, 3, 6), PulseSchedule.ONCE, 2)
    with pytest.raises(ValueError):
        wave_day(date(2027, 3, 6), PulseSchedule.WEEKLY, 0)


def test_the_due_wave_is_the_latest_whose_day_has_come() -> None:
    starts = midnight(date(2027, 3, 1), "America/New_York")
    first = datetime(2027, 3, 1, 5, tzinfo=UTC)
    assert due_wave(starts, PulseSchedule.ONCE, "America/New_York", first - timedelta(1)) is None
    assert due_wave(starts, PulseSchedule.ONCE, "America/New_York", first) == 1
    assert due_wave(starts, PulseSchedule.ONCE, "America/New_York", first, after=1) is None
    later = first + timedelta(days=400)
    assert due_wave(starts, PulseSchedule.ONCE, "America/New_York", later, after=1) is None
    weekly = PulseSchedule.WEEKLY
    assert due_wave(starts, weekly, "America/New_York", first + timedelta(days=6), after=1) is None
    # Three weeks and a half unrun: only the latest wave opens, not the missed ones.
    gap = first + timedelta(days=24)
    assert due_wave(starts, weekly, "America/New_York", gap, after=1) == 4


# -- when each person is asked ------------------------------------------------------------


def test_each_person_is_asked_on_the_first_working_morning_in_their_own_zone() -> None:
    opens = datetime(2027, 3, 2, 5, tzinfo=UTC)  # Tuesday 00:00 in New York
    dues = {tz: invitation_due(opens, opens, tz, TEN) for tz in ZONES}
    assert dues["America/Los_Angeles"] == datetime(2027, 3, 2, 18, tzinfo=UTC)  # Tue 10:00 PST
    assert dues["Europe/London"] == datetime(2027, 3, 2, 10, tzinfo=UTC)  # Tue 10:00 GMT
    assert dues["Asia/Kolkata"] == datetime(2027, 3, 3, 4, 30, tzinfo=UTC)  # 10:30 passed: Wed
    assert dues["Pacific/Auckland"] == datetime(2027, 3, 2, 21, tzinfo=UTC)  # Wed 10:00 NZDT
    for timezone, due in dues.items():
        there = local(due, timezone)
        assert (there.hour, there.minute) == (10, 0) and there.weekday() < 5, timezone
        assert opens <= due < opens + timedelta(days=2), timezone


def test_a_wave_opened_on_friday_reaches_the_far_east_on_monday() -> None:
    opens = datetime(2027, 3, 5, 5, tzinfo=UTC)  # Friday 00:00 in New York, 14:00 in Tokyo
    due = invitation_due(opens, opens, "Asia/Tokyo", TEN)
    assert local(due, "Asia/Tokyo").replace(tzinfo=None) == datetime(2027, 3, 8, 10)


def test_a_wave_opened_late_counts_from_now_but_keeps_a_morning_that_just_began() -> None:
    opens = datetime(2027, 3, 1, 5, tzinfo=UTC)
    now = datetime(2027, 3, 3, 11, tzinfo=UTC)  # 11:00 in London, two days late
    assert invitation_due(opens, now, "Europe/London", TEN) == datetime(2027, 3, 3, 10, tzinfo=UTC)
    assert invitation_due(opens, now, "America/Chicago", TEN) == datetime(
        2027, 3, 3, 16, tzinfo=UTC
    )


@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31)),
    st.sampled_from(ZONES),
    st.integers(min_value=7, max_value=18),
)
def test_invitations_are_due_on_the_first_working_morning_from_the_opening(
    naive: datetime, timezone: str, hour: int
) -> None:
    opens = naive.replace(tzinfo=UTC)
    cadence = Cadence(local_hour=hour)
    due = invitation_due(opens, opens, timezone, cadence)
    there = local(due, timezone)
    assert opens <= due < opens + timedelta(days=4)  # at most a weekend and a day later
    assert there.weekday() < 5
    assert there.time() in {time(hour), time(hour + 1)}  # an hour a spring change skips
    assert due == next_window(opens, timezone, cadence)
    # Opened late, a morning that began less than the sending window ago still counts.
    late = invitation_due(opens - timedelta(days=3), opens, timezone, cadence)
    assert late == next_window(opens - SEND_WINDOW, timezone, cadence)


# -- the reminder ---------------------------------------------------------------------------


def test_the_reminder_comes_a_working_morning_before_the_close() -> None:
    closes = datetime(2027, 3, 6, 4, 30, tzinfo=UTC)  # Saturday; Friday evening in the Americas
    invited = datetime(2027, 3, 2, 10, tzinfo=UTC)
    assert reminder_due(invited, closes, "Europe/London", TEN) == datetime(
        2027, 3, 4, 10, tzinfo=UTC
    )  # Thursday: Friday 10:00 is less than a day before the close
    assert reminder_due(invited, closes, "Asia/Kolkata", TEN) == datetime(
        2027, 3, 5, 4, 30, tzinfo=UTC
    )  # exactly a day before
    assert reminder_due(invited, closes, "America/Chicago", TEN) == datetime(
        2027, 3, 4, 16, tzinfo=UTC
    )


def test_no_reminder_when_the_window_is_too_short_for_one() -> None:
    invited = datetime(2027, 3, 2, 10, tzinfo=UTC)
    assert reminder_due(invited, invited + timedelta(days=1), "Europe/London", TEN) is None
    assert reminder_due(invited, invited + timedelta(days=2), "Europe/London", TEN) == (
        invited + timedelta(days=1)
    )


def test_a_weekend_before_the_close_moves_the_reminder_to_friday() -> None:
    invited = datetime(2027, 3, 4, 9, tzinfo=UTC)  # Thursday 10:00 in Berlin
    closes = datetime(2027, 3, 9, 9, tzinfo=UTC)  # Tuesday 10:00 in Berlin
    assert reminder_due(invited, closes, "Europe/Berlin", TEN) == datetime(
        2027, 3, 8, 9, tzinfo=UTC
    )
    closes = datetime(2027, 3, 8, 9, tzinfo=UTC)  # Monday
    assert reminder_due(invited, closes, "Europe/Berlin", TEN) == datetime(
        2027, 3, 5, 9, tzinfo=UTC
    )


@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31)),
    st.sampled_from(ZONES),
)
def test_the_previous_window_is_the_last_working_morning_at_or_before(
    naive: datetime, timezone: str
) -> None:
    instant = naive.replace(tzinfo=UTC)
    before = previous_window(instant, timezone, TEN)
    assert before <= instant
    assert local(before, timezone).weekday() < 5
    # Nothing opened between it and the instant.
    assert next_window(before + timedelta(seconds=1), timezone, TEN) > instant


def test_the_audience_of_a_role_includes_those_who_are_both() -> None:
    assert roles_for(None) is None
    assert roles_for("mentor") == [Role.MENTOR, Role.BOTH]
    assert roles_for("mentee") == [Role.MENTEE, Role.BOTH]
    assert roles_for("peer") == [Role.PEER]


# -- one pass of the job, on the database ---------------------------------------------------

TEAM = "T1"
#: Monday 1 March 2027 in New York; the survey's first wave opens at midnight there.
MONDAY = datetime(2027, 3, 1, 5, tzinfo=UTC)
PEOPLE = {
    "UANA": ("Europe/London", Role.MENTEE),
    "UBEN": ("America/Chicago", Role.MENTOR),
    "UCAT": ("Asia/Tokyo", Role.BOTH),
    "UDAN": ("Europe/Berlin", Role.MENTEE),
}


@pytest.fixture
def world(db: Database) -> Database:
    with db.session() as session:
        program = factories.program(at=MONDAY, team_id=TEAM, timezone="America/New_York")
        program.owners = [ProgramOwner(user_id="UOWN", team_id=TEAM)]
        session.add(program)
        for user_id, (timezone, _) in PEOPLE.items():
            session.add(
                factories.person(
                    user_id, at=MONDAY, team_id=TEAM, name=user_id.lower(), timezone=timezone
                )
            )
        session.flush()
        for user_id, (_, role) in PEOPLE.items():
            session.add(factories.membership(program.id, user_id, role, at=MONDAY, team_id=TEAM))
    return db


def add_survey(
    db: Database,
    *,
    schedule: PulseSchedule = PulseSchedule.ONCE,
    role: str | None = None,
    window_days: int = 3,
) -> int:
    with db.session() as session:
        survey = factories.survey(
            1,
            [{"kind": "scale", "text": "How useful?", "options": ["Not", "Very"]}],
            at=MONDAY,
            schedule=schedule,
            team_id=TEAM,
            role=role,
            window_days=window_days,
            created_by="UADA",
            created_at=MONDAY - timedelta(days=1),
        )
        session.add(survey)
        session.flush()
        return survey.id


def service(db: Database, clock: FrozenClock) -> WaveService:
    people = PeopleDirectory(WebClient(base_url="http://127.0.0.1:9/api/"), clock)
    return WaveService(db, clock, people, admins=["UADMIN"])


def outbox_keys(db: Database) -> list[str]:
    with db.session() as session:
        return sorted(session.scalars(sa.select(OutboxMessage.key)))


def test_a_wave_asks_active_unpaused_members_of_the_role_at_their_morning(
    world: Database, clock: FrozenClock
) -> None:
    add_survey(world, role="mentee")
    with world.session() as session:
        dan = session.get(Person, (TEAM, "UDAN"))
        assert dan is not None
        dan.paused = True  # paused when the wave opens: not asked
    clock.set(MONDAY)
    waves = service(world, clock)
    tally = waves.run_due()
    assert (tally.opened, tally.invited, tally.sent) == (1, 2, 0)
    with world.session() as session:
        invited = {i.user_id: i.due_at for i in session.scalars(sa.select(PulseInvitation))}
        [wave] = session.scalars(sa.select(PulseWave)).all()
    # Ana (London, mentee) and Cat (Tokyo, both); not Ben (mentor) nor Dan (paused).
    assert invited == {
        "UANA": datetime(2027, 3, 1, 10, tzinfo=UTC),
        "UCAT": datetime(2027, 3, 2, 1, tzinfo=UTC),  # Tokyo's Monday morning had passed
    }
    assert wave.closes_at == datetime(2027, 3, 5, 1, tzinfo=UTC)  # the last invitation + 3 days
    assert waves.run_due().opened == 0  # once is once
    clock.set(datetime(2027, 3, 1, 10, tzinfo=UTC))
    assert waves.run_due().sent == 1
    assert waves.run_due().sent == 0  # idempotent
    assert outbox_keys(world) == [f"pulse:{wave.id}:UANA"]


def test_respondents_are_told_the_threshold_results_apply_never_below_three(
    world: Database, clock: FrozenClock
) -> None:
    survey_id = add_survey(world)
    with world.session() as session:
        survey = session.get(PulseSurvey, survey_id)
        assert survey is not None
        survey.min_answers = 1  # stored below the floor: results use 3, and so does the form
    clock.set(MONDAY)
    waves = service(world, clock)
    waves.run_due()
    with world.session() as session:
        [wave] = session.scalars(sa.select(PulseWave)).all()
    assert waves.form(TEAM, "UANA", wave.id).min_answers == 3
    clock.set(datetime(2027, 3, 1, 10, tzinfo=UTC))
    assert waves.run_due().sent >= 1
    with world.session() as session:
        invitations = session.scalars(sa.select(OutboxMessage)).all()
    assert invitations and all("at least 3 people answered" in str(m.blocks) for m in invitations)


def test_stopped_surveys_open_no_waves(world: Database, clock: FrozenClock) -> None:
    survey_id = add_survey(world, schedule=PulseSchedule.WEEKLY)
    with world.session() as session:
        survey = session.get(PulseSurvey, survey_id)
        assert survey is not None
        survey.stopped_at = MONDAY - timedelta(hours=1)
    clock.set(MONDAY + timedelta(days=8))
    assert service(world, clock).run_due().opened == 0


def test_weekly_waves_open_one_after_another_and_each_closes(
    world: Database, clock: FrozenClock
) -> None:
    add_survey(world, schedule=PulseSchedule.WEEKLY, window_days=2)
    waves = service(world, clock)
    clock.set(MONDAY)
    while clock.now() < MONDAY + timedelta(days=15):
        waves.run_due()
        clock.advance(timedelta(hours=1))
    with world.session() as session:
        rows = list(session.scalars(sa.select(PulseWave).order_by(PulseWave.number)))
    assert [w.number for w in rows] == [1, 2, 3]
    assert [w.closed_at is not None for w in rows] == [True, True, False]
    assert [w.invited for w in rows[:2]] == [4, 4]
    assert all(w.token_key is None for w in rows[:2])
    # The creator and the program's owner heard each wave close, once each.
    closed = [k for k in outbox_keys(world) if k.startswith("pulse-closed:")]
    assert sorted(closed) == sorted(
        f"pulse-closed:{w.id}:{u}" for w in rows[:2] for u in ("UADA", "UOWN")
    )


def test_a_pause_moves_an_invitation_and_leaving_drops_it(
    world: Database, clock: FrozenClock
) -> None:
    add_survey(world)
    clock.set(MONDAY)
    waves = service(world, clock)
    waves.run_due()
    with world.session() as session:
        ana = session.get(Person, (TEAM, "UANA"))
        assert ana is not None
        ana.paused, ana.paused_until = True, datetime(2027, 3, 2, 12, tzinfo=UTC)
        ben = session.scalar(sa.select(Membership).where(Membership.user_id == "UBEN"))
        assert ben is not None
        ben.status = MembershipStatus.LEFT
    # 10:00 in Chicago; Ana's and Dan's mornings in London and Berlin passed unrun.
    clock.set(datetime(2027, 3, 1, 16, tzinfo=UTC))
    tally = waves.run_due()
    assert (tally.sent, tally.retimed, tally.dropped) == (0, 2, 1)
    with world.session() as session:
        invited = {i.user_id: i.due_at for i in session.scalars(sa.select(PulseInvitation))}
    assert "UBEN" not in invited
    assert invited["UANA"] == datetime(2027, 3, 3, 10, tzinfo=UTC)  # Wednesday, after the pause
    assert invited["UDAN"] == datetime(2027, 3, 2, 9, tzinfo=UTC)  # the next morning in Berlin


def test_one_reminder_only_to_those_who_have_not_answered(
    world: Database, clock: FrozenClock
) -> None:
    add_survey(world)
    waves = service(world, clock)
    clock.set(MONDAY)

    def run_until(end: datetime) -> None:
        while clock.now() < end:
            waves.run_due()
            if clock.now() == datetime(2027, 3, 2, 12, tzinfo=UTC):
                for user_id in ("UANA", "UCAT"):
                    with world.session() as session:
                        [wave] = session.scalars(sa.select(PulseWave)).all()
                        answers = [ballots.Answer(0, value=4)]
                        now = clock.now()
                        ballots.cast(
                            session, wave, user_id=user_id, role=None, answers=answers, now=now
                        )
            clock.advance(timedelta(minutes=15))

    run_until(datetime(2027, 3, 5, tzinfo=UTC))  # the wave closes at 01:00 UTC
    keys = outbox_keys(world)
    reminders = [k.rsplit(":", 1)[1] for k in keys if k.startswith("pulse-reminder:")]
    assert sorted(reminders) == ["UBEN", "UDAN"]
    with world.session() as session:
        [wave] = session.scalars(sa.select(PulseWave)).all()
        sent = {
            m.key: m.created_at
            for m in session.scalars(sa.select(OutboxMessage))
            if m.key.startswith("pulse-reminder:")
        }
    assert wave.reminded_at is not None and wave.closed_at is None
    # A working morning, a day or more before the close, in each person's zone.
    for key, at in sent.items():
        timezone = PEOPLE[key.rsplit(":", 1)[1]][0]
        assert (local(at, timezone).hour, local(at, timezone).weekday() < 5) == (10, True)
        assert at <= wave.closes_at - timedelta(days=1)

    run_until(datetime(2027, 3, 8, tzinfo=UTC))
    with world.session() as session:
        [wave] = session.scalars(sa.select(PulseWave)).all()
        invitations = session.scalar(sa.select(sa.func.count()).select_from(PulseInvitation))
    assert wave.closed_at is not None and (wave.invited, wave.answered) == (4, 2)
    # Who was reminded (so hadn't answered) and who was asked are forgotten with the close.
    assert invitations == 0
    assert [k for k in outbox_keys(world) if k.startswith(("pulse:", "pulse-reminder:"))] == []


# -- waves of one survey never overlap ------------------------------------------------------


def test_a_wave_closes_at_its_window_or_where_the_next_opens_whichever_is_first() -> None:
    last = datetime(2027, 3, 8, 1, tzinfo=UTC)
    next_opens = datetime(2027, 3, 12, 8, tzinfo=UTC)
    assert wave_closes_at(last, 5, next_opens) == next_opens
    assert wave_closes_at(last, 3, next_opens) == last + timedelta(days=3)
    assert wave_closes_at(last, 14, None) == last + timedelta(days=14)  # a one-off


def test_a_tokyo_member_of_a_los_angeles_program_never_has_two_weekly_waves_open(
    db: Database, clock: FrozenClock
) -> None:
    # Fridays from midnight in Los Angeles: 17:00 on Friday in Tokyo, so Tokyo is asked on
    # Monday, and five days from then would run past the next Friday's opening.
    friday = midnight(date(2027, 3, 5), "America/Los_Angeles")
    with db.session() as session:
        program = factories.program(at=friday, team_id=TEAM, timezone="America/Los_Angeles")
        session.add(program)
        for user_id, timezone in (("UTOK", "Asia/Tokyo"), ("ULAX", "America/Los_Angeles")):
            session.add(factories.person(user_id, at=friday, team_id=TEAM, timezone=timezone))
        session.flush()
        for user_id, role in (("UTOK", Role.MENTEE), ("ULAX", Role.MENTOR)):
            session.add(factories.membership(program.id, user_id, role, at=friday, team_id=TEAM))
        session.add(
            factories.survey(
                program.id,
                [{"kind": "scale", "text": "How useful?", "options": ["Not", "Very"]}],
                at=friday,
                team_id=TEAM,
                name="Weekly pulse",
                window_days=5,
                created_by="UADA",
                created_at=friday - timedelta(days=1),
            )
        )
    waves = service(db, clock)
    clock.set(friday)
    invited: dict[int, set[str]] = {}
    while clock.now() < datetime(2027, 3, 26, tzinfo=UTC):  # across the March change in LA
        waves.run_due()
        with db.session() as session:
            still_open = session.scalars(
                sa.select(PulseWave.number).where(PulseWave.closed_at.is_(None))
            ).all()
            for invitation in session.scalars(sa.select(PulseInvitation)):
                invited.setdefault(invitation.wave_id, set()).add(invitation.user_id)
        assert len(still_open) <= 1, (clock.now(), still_open)
        clock.advance(timedelta(hours=1))
    with db.session() as session:
        rows = list(session.scalars(sa.select(PulseWave).order_by(PulseWave.number)))
    assert [w.number for w in rows] == [1, 2, 3]
    assert rows[0].opens_at == datetime(2027, 3, 5, 8, tzinfo=UTC)  # 00:00 PST
    assert rows[2].opens_at == datetime(2027, 3, 19, 7, tzinfo=UTC)  # 00:00 PDT
    # Tokyo's Monday 10:00 plus five days would be Saturday; each wave ends at the next's start.
    assert rows[0].closes_at == rows[1].opens_at == datetime(2027, 3, 12, 8, tzinfo=UTC)
    assert rows[1].closes_at == rows[2].opens_at
    assert all(w.closed_at == w.closes_at for w in rows[:2])
    assert all(invited[w.id] == {"UTOK", "ULAX"} for w in rows)  # both asked every week
