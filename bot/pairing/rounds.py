"""Running a program's rounds: who takes part, who meets whom, and what gets sent.

A round is planned from the database and Slack's current view of people (names, time zones,
deactivations), matched by the pure engine, and stored together with every message it sends:
introductions, "why not" notes to anyone left out, and a summary for the program's owners.
The unique (program, period) means a round exists once however often its job fires.
"""

from __future__ import annotations

import logging
import random
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.db import Database
from bot.errors import NotAllowed, UserFacingError
from bot.membership.programs import ProgramService
from bot.pairing import messages
from bot.pairing.coffee import Peer, group_peers
from bot.pairing.matching import Candidate, Weights, goal_words, match_mentoring
from bot.pairing.periods import Cadence, Period, next_slot, period_at
from bot.prompts.library import draw
from bot.slack.delivery import Priority, enqueue
from bot.slack.people import PeopleDirectory, SlackPerson
from models import (
    Answer,
    DoNotPair,
    Group,
    GroupMember,
    Membership,
    MembershipStatus,
    Mentorship,
    Person,
    Program,
    ProgramKind,
    PromptUse,
    Role,
    Round,
    RoundSkip,
    Unmatched,
)
from models.settings import ProgramSettings

log = logging.getLogger(__name__)

DAYS_PER_MONTH = 30.4375


def cadence_of(program: Program) -> Cadence:
    return Cadence(program.weekday, program.local_time, program.timezone, program.cadence.weeks)


def weights_of(settings: ProgramSettings) -> Weights:
    return Weights(
        skills=settings.weight_skills,
        interests=settings.weight_interests,
        hours=settings.weight_hours,
        repeat_penalty=settings.repeat_penalty,
        min_shared_hours=settings.min_shared_hours,
        require_shared_hours=settings.require_shared_hours,
    )


def utc_offset_hours(timezone: str, at: datetime) -> float:
    try:
        offset = at.astimezone(ZoneInfo(timezone)).utcoffset()
    except (ValueError, KeyError):
        return 0.0
    return offset.total_seconds() / 3600 if offset else 0.0


@dataclass(frozen=True)
class PlannedGroup:
    #: (user_id, role) for each member: mentor, mentee or peer.
    members: tuple[tuple[str, str], ...]
    score: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class RoundPlan:
    program: Program
    period: Period
    number: int
    groups: list[PlannedGroup]
    unmatched: list[tuple[str, str]]
    spare: dict[str, int] = field(default_factory=dict)
    note: str | None = None
    ghosts: list[str] = field(default_factory=list)
    #: Ids of mentorships this round ends because a side left or can't be reached.
    ended: list[int] = field(default_factory=list)
    #: What each member offers and wants, for the "who is who" of introductions.
    profiles: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)


@dataclass(frozen=True)
class RunResult:
    round_id: int
    created: bool
    plan: RoundPlan | None
    existing_groups: int = 0
    #: When the round that already covers now ends (nothing was created).
    open_until: datetime | None = None


class RoundService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        people: PeopleDirectory,
        programs: ProgramService,
        admins: Iterable[str] = (),
    ) -> None:
        self._db = db
        self._clock = clock
        self._people = people
        self._programs = programs
        #: Who gets a round's summary when a scheduled round's program has no owners.
        self._admins = sorted(admins)

    # -- planning -----------------------------------------------------------------------

    def plan(self, team_id: str, program_id: int, *, period: Period | None = None) -> RoundPlan:
        """What a round would do now, sending nothing and storing nothing."""
        program = self._programs.get(team_id, program_id)
        now = self._clock.now()
        period = period or period_at(cadence_of(program), now)
        slack_people = self._people.everyone(team_id)
        with self._db.session() as session:
            return self._plan(session, program, period, now, slack_people)

    def _plan(
        self,
        session: Session,
        program: Program,
        period: Period,
        now: datetime,
        slack_people: dict[str, SlackPerson],
    ) -> RoundPlan:
        settings = ProgramSettings.of(program.settings)
        number = 1 + (
            session.scalar(
                sa.select(sa.func.max(Round.number)).where(Round.program_id == program.id)
            )
            or 0
        )
        rows = session.execute(
            sa.select(Membership, Person)
            .join(
                Person,
                sa.and_(Person.team_id == Membership.team_id, Person.user_id == Membership.user_id),
            )
            .where(
                Membership.program_id == program.id,
                Membership.status == MembershipStatus.ACTIVE,
            )
            # A stable order: the seeded shuffle then gives a preview and its run the same draw.
            .order_by(Membership.user_id)
        ).all()
        skipped = set(
            session.scalars(
                sa.select(RoundSkip.user_id).where(
                    RoundSkip.program_id == program.id, RoundSkip.period == period.key
                )
            )
        )
        available: set[str] = set()
        for _, person in rows:
            known = slack_people.get(person.user_id)
            gone = (known is not None and (known.deleted or known.is_bot)) or person.inactive
            if not gone and not person.is_paused(now) and person.user_id not in skipped:
                available.add(person.user_id)
        ghosts = self._ghosts(session, program, settings, available)
        available -= ghosts
        # Pairs whose mentor or mentee is gone end before matching, freeing both sides.
        continuing, ended = self._mentorships(session, program, rows)
        blocked = self._blocked(session, program.team_id)
        if program.kind is ProgramKind.COFFEE:
            taking_part = [(m, p) for m, p in rows if p.user_id in available]
            plan = self._plan_coffee(
                session, program, settings, period, number, taking_part, blocked
            )
        else:
            plan = self._plan_mentoring(
                session, program, settings, period, number, rows, available, blocked, continuing
            )
        return RoundPlan(
            program,
            period,
            number,
            plan.groups,
            plan.unmatched,
            plan.spare,
            plan.note,
            sorted(ghosts),
            ended,
            profiles={m.user_id: (list(m.offers), list(m.wants)) for m, _ in rows},
        )

    def _plan_coffee(
        self,
        session: Session,
        program: Program,
        settings: ProgramSettings,
        period: Period,
        number: int,
        taking_part: list[tuple[Membership, Person]],
        blocked: frozenset[frozenset[str]],
    ) -> RoundPlan:
        last_met: dict[frozenset[str], int] = {}
        history = session.execute(
            sa.select(Round.number, GroupMember.group_id, GroupMember.user_id)
            .join(Group, Group.id == GroupMember.group_id)
            .join(Round, Round.id == Group.round_id)
            .where(
                Round.program_id == program.id,
                Round.number >= number - settings.cooldown_rounds - 1,
            )
        ).all()
        members: dict[int, list[str]] = defaultdict(list)
        numbers: dict[int, int] = {}
        for round_number, group_id, user_id in history:
            members[group_id].append(user_id)
            numbers[group_id] = round_number
        for group_id, users in members.items():
            for i, a in enumerate(users):
                for b in users[i + 1 :]:
                    pair = frozenset((a, b))
                    last_met[pair] = max(last_met.get(pair, 0), numbers[group_id])
        peers = [
            Peer(
                m.user_id,
                frozenset(m.offers),
                frozenset(m.wants),
                goal_words(m.goals),
            )
            for m, _ in taking_part
        ]
        result = group_peers(
            peers,
            size=settings.group_size,
            last_met=last_met,
            round_number=number,
            cooldown=settings.cooldown_rounds,
            blocked=blocked,
            seed=_seed(program.id, period.key),
        )
        groups = [
            PlannedGroup(tuple((u, "peer") for u in g.members), g.score, g.reasons)
            for g in result.groups
        ]
        unmatched = list(result.left_out)
        return RoundPlan(program, period, number, groups, unmatched, note=result.note)

    def _plan_mentoring(
        self,
        session: Session,
        program: Program,
        settings: ProgramSettings,
        period: Period,
        number: int,
        rows: Sequence[tuple[Membership, Person]],
        available: set[str],
        blocked: frozenset[frozenset[str]],
        active: list[Mentorship],
    ) -> RoundPlan:
        load: dict[str, int] = defaultdict(int)
        paired_mentees = set()
        for mentorship in active:
            load[mentorship.mentor_id] += 1
            paired_mentees.add(mentorship.mentee_id)
        past = frozenset(
            frozenset((m.mentor_id, m.mentee_id))
            for m in session.scalars(
                sa.select(Mentorship).where(Mentorship.program_id == program.id)
            )
        )
        # Someone already mentoring a person can't become that person's mentee as well.
        blocked |= frozenset(frozenset((m.mentor_id, m.mentee_id)) for m in active)
        mentors, mentees = [], []
        for membership, person in rows:
            offset = utc_offset_hours(person.timezone, period.starts_at)
            interests = goal_words(membership.goals)
            here = person.user_id in available
            if membership.role.mentors:
                # Full and absent mentors stay in, with no place to give, so a mentee who
                # fits only them is told that, not that nobody offers what they want.
                mentors.append(
                    Candidate(
                        person.user_id,
                        offers=frozenset(membership.offers),
                        wants=frozenset(membership.wants),
                        interests=interests,
                        utc_offset=offset,
                        capacity=max(0, membership.capacity - load[person.user_id]),
                        available=here,
                    )
                )
            if (
                membership.role in {Role.MENTEE, Role.BOTH}
                and here
                and (person.user_id not in paired_mentees)
            ):
                mentees.append(
                    Candidate(
                        person.user_id,
                        offers=frozenset(membership.offers),
                        wants=frozenset(membership.wants),
                        interests=interests,
                        utc_offset=offset,
                    )
                )
        rng = random.Random(_seed(program.id, period.key))
        rng.shuffle(mentors)
        rng.shuffle(mentees)
        result = match_mentoring(mentors, mentees, weights_of(settings), blocked=blocked, past=past)
        groups = [
            PlannedGroup(((p.mentor_id, "mentor"), (p.mentee_id, "mentee")), p.score, p.reasons)
            for p in result.pairs
        ]
        unmatched = [(u.user_id, u.reason) for u in result.unmatched]
        return RoundPlan(program, period, number, groups, unmatched, result.spare)

    def _ghosts(
        self,
        session: Session,
        program: Program,
        settings: ProgramSettings,
        candidates: set[str],
    ) -> set[str]:
        """People whose last few introductions (of rounds that ended) all went unanswered.

        An introduction counts as ignored by someone when they didn't answer and nobody in the
        group said they met or scheduled it.
        """
        limit = settings.ghost_limit
        reset: dict[str, datetime] = {
            user_id: reset_at
            for user_id, reset_at in session.execute(
                sa.select(Membership.user_id, Membership.ghost_reset_at).where(
                    Membership.program_id == program.id, Membership.ghost_reset_at.is_not(None)
                )
            )
            if reset_at is not None
        }
        rows = [
            (number, group_id, user_id, answer)
            for number, created_at, group_id, user_id, answer in session.execute(
                sa.select(
                    Round.number,
                    Round.created_at,
                    Group.id,
                    GroupMember.user_id,
                    GroupMember.answer,
                )
                .join(Group, Group.round_id == Round.id)
                .join(GroupMember, GroupMember.group_id == Group.id)
                .where(Round.program_id == program.id, Round.ends_at <= self._clock.now())
                .order_by(Round.number)
            )
            if user_id not in reset or created_at > reset[user_id]
        ]
        group_met: dict[int, bool] = defaultdict(bool)
        for _, group_id, _, answer in rows:
            if answer in {Answer.MET, Answer.SCHEDULED}:
                group_met[group_id] = True
        streaks: dict[str, list[bool]] = defaultdict(list)
        for _, group_id, user_id, answer in rows:
            streaks[user_id].append(answer is None and not group_met[group_id])
        return {
            user
            for user, ignored in streaks.items()
            if len(ignored) >= limit and all(ignored[-limit:])
        }

    @staticmethod
    def _blocked(session: Session, team_id: str) -> frozenset[frozenset[str]]:
        return frozenset(
            frozenset((a, b))
            for a, b in session.execute(
                sa.select(DoNotPair.user_id, DoNotPair.other_id).where(DoNotPair.team_id == team_id)
            )
        )

    @staticmethod
    def _mentorships(
        session: Session,
        program: Program,
        rows: Iterable[tuple[Membership, Person]],
    ) -> tuple[list[Mentorship], list[int]]:
        """Active mentorships: those that go on, and the ids of those whose side is gone."""
        if program.kind is not ProgramKind.MENTORING:
            return [], []
        still_members = {p.user_id for _, p in rows if not p.inactive}
        continuing, ended = [], []
        for mentorship in session.scalars(
            sa.select(Mentorship).where(
                Mentorship.program_id == program.id, Mentorship.ended_at.is_(None)
            )
        ):
            if {mentorship.mentor_id, mentorship.mentee_id} <= still_members:
                continuing.append(mentorship)
            else:
                ended.append(mentorship.id)
        return continuing, ended

    # -- running ------------------------------------------------------------------------

    def run(
        self,
        team_id: str,
        program_id: int,
        *,
        actor_id: str | None = None,
        period: Period | None = None,
    ) -> RunResult:
        """Create this period's round, its groups and its messages, unless it exists already."""
        program = self._programs.get(team_id, program_id)
        now = self._clock.now()
        period = period or period_at(cadence_of(program), now)
        existing = self._existing(program.id, period.key)
        if existing is not None:
            return existing
        still_open = self._open_round(program.id, now)
        if still_open is not None:
            # The cadence changed mid-period: let the running round finish first.
            return still_open
        slack_people = self._people.everyone(team_id)
        try:
            with self._db.session() as session:
                self._note_people(session, team_id, slack_people, now)
                plan = self._plan(session, program, period, now, slack_people)
                if not (plan.groups or plan.unmatched or plan.ghosts or plan.ended):
                    # Nobody to match yet: keep the period free for the people still to join.
                    return RunResult(0, False, plan)
                round_id = self._store(session, plan, now, actor_id)
        except sa.exc.IntegrityError:
            # Another process (or a job that fired twice) created this period's round first.
            found = self._existing(program.id, period.key)
            if found is None:
                raise
            return found
        log.info(
            "round %d of program %d: %d groups, %d unmatched",
            plan.number,
            program.id,
            len(plan.groups),
            len(plan.unmatched),
        )
        return RunResult(round_id, True, plan)

    def _open_round(self, program_id: int, now: datetime) -> RunResult | None:
        with self._db.session() as session:
            latest = session.scalar(
                sa.select(Round)
                .where(Round.program_id == program_id, Round.ends_at > now)
                .order_by(Round.number.desc())
                .limit(1)
            )
            if latest is None:
                return None
            count = session.scalar(
                sa.select(sa.func.count()).select_from(Group).where(Group.round_id == latest.id)
            )
            return RunResult(latest.id, False, None, int(count or 0), open_until=latest.ends_at)

    def _existing(self, program_id: int, period_key: str) -> RunResult | None:
        with self._db.session() as session:
            found = session.scalar(
                sa.select(Round).where(Round.program_id == program_id, Round.period == period_key)
            )
            if found is None:
                return None
            count = session.scalar(
                sa.select(sa.func.count()).select_from(Group).where(Group.round_id == found.id)
            )
            return RunResult(found.id, False, None, int(count or 0), open_until=found.ends_at)

    def _note_people(
        self, session: Session, team_id: str, slack_people: dict[str, SlackPerson], now: datetime
    ) -> None:
        """Refresh names and time zones, and mark people Slack no longer has as inactive.

        Someone missing from users.list (a guest from another organisation, say) is asked
        about on their own before being counted as gone.
        """
        for person in session.scalars(sa.select(Person).where(Person.team_id == team_id)):
            known = slack_people.get(person.user_id)
            if known is None:
                known = self._people.lookup(team_id, person.user_id)
            if known is None or known.deleted:
                if not person.inactive:
                    person.inactive = True
                    person.updated_at = now
                continue
            if (person.name, person.timezone) != (known.name, known.timezone):
                person.name, person.timezone, person.updated_at = known.name, known.timezone, now

    def _store(self, session: Session, plan: RoundPlan, now: datetime, actor_id: str | None) -> int:
        program, settings = plan.program, ProgramSettings.of(plan.program.settings)
        round_ = Round(
            team_id=program.team_id,
            program_id=program.id,
            period=plan.period.key,
            number=plan.number,
            starts_at=max(now, plan.period.starts_at),
            ends_at=plan.period.ends_at,
            created_at=now,
        )
        session.add(round_)
        session.flush()
        rng = random.Random(_seed(program.id, plan.period.key))
        used = self._used_starters(session, program.id)
        term = timedelta(days=round(settings.term_months * DAYS_PER_MONTH))
        for planned in plan.groups:
            user_ids = [u for u, _ in planned.members]
            starter_key, starter = self._starter(session, program, user_ids, used, rng)
            group = Group(
                team_id=program.team_id,
                round_id=round_.id,
                score=planned.score,
                reasons=list(planned.reasons),
                starter_key=starter_key,
            )
            group.members = [
                GroupMember(user_id=u, team_id=program.team_id, role=role)
                for u, role in planned.members
            ]
            session.add(group)
            session.flush()
            if program.kind is ProgramKind.MENTORING:
                mentor = next(u for u, r in planned.members if r == "mentor")
                mentee = next(u for u, r in planned.members if r == "mentee")
                mentorship = Mentorship(
                    team_id=program.team_id,
                    program_id=program.id,
                    mentor_id=mentor,
                    mentee_id=mentee,
                    group_id=group.id,
                    started_at=now,
                    term_ends_at=now + term,
                )
                session.add(mentorship)
                session.flush()
                # The intro's kick-off prompt is the pair's first: `/mentor prompt` and the
                # check-ins' rotation then never hand it to them again.
                for key in starter_key.split("+"):
                    session.add(
                        PromptUse(
                            mentorship_id=mentorship.id,
                            prompt_key=key,
                            team_id=program.team_id,
                            used_at=now,
                        )
                    )
            text, blocks = messages.introduction(program, round_, group, starter, plan.profiles)
            enqueue(
                session,
                team_id=program.team_id,
                key=f"intro:{group.id}",
                recipients=user_ids,
                text=text,
                blocks=blocks,
                now=now,
                priority=Priority.BULK,
            )
        for user_id, reason in plan.unmatched:
            session.add(
                Unmatched(
                    round_id=round_.id, team_id=program.team_id, user_id=user_id, reason=reason
                )
            )
            text = messages.unmatched_text(program, reason)
            enqueue(
                session,
                team_id=program.team_id,
                key=f"unmatched:{round_.id}:{user_id}",
                recipients=[user_id],
                text=text,
                now=now,
            )
        for user_id in plan.ghosts:
            self._pause_ghost(session, program, round_, user_id, now)
        for mentorship_id in plan.ended:
            self._end(session, mentorship_id, "left", now)
        owners = set(program.owner_ids) or ({actor_id} if actor_id else set(self._admins))
        summary_text, summary_blocks = messages.round_summary(plan)
        for owner in sorted(owners):
            enqueue(
                session,
                team_id=program.team_id,
                key=f"summary:{round_.id}:{owner}",
                recipients=[owner],
                text=summary_text,
                blocks=summary_blocks,
                now=now,
            )
        return round_.id

    def _starter(
        self,
        session: Session,
        program: Program,
        user_ids: list[str],
        used: dict[frozenset[str], list[str]],
        rng: random.Random,
    ) -> tuple[str, list[str]]:
        """A conversation starter none of these people have had together before."""
        seen: list[str] = []
        for i, a in enumerate(user_ids):
            for b in user_ids[i + 1 :]:
                seen.extend(used.get(frozenset((a, b)), []))
        if program.kind is ProgramKind.MENTORING:
            prompt = draw(session, "kick-off", used=seen, rng=rng, team_id=program.team_id)
            chosen = [prompt]
        else:
            light = draw(
                session, "coffee", used=seen, rng=rng, depth=(1, 1), team_id=program.team_id
            )
            deep = draw(
                session, "coffee", used=seen, rng=rng, depth=(2, 3), team_id=program.team_id
            )
            chosen = [light, deep]
        for i, a in enumerate(user_ids):
            for b in user_ids[i + 1 :]:
                used.setdefault(frozenset((a, b)), []).extend(p.key for p in chosen)
        return "+".join(p.key for p in chosen), [p.text for p in chosen]

    @staticmethod
    def _used_starters(session: Session, program_id: int) -> dict[frozenset[str], list[str]]:
        rows = session.execute(
            sa.select(Group.id, Group.starter_key, GroupMember.user_id)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .join(Round, Round.id == Group.round_id)
            .where(Round.program_id == program_id)
            .order_by(Round.number)
        ).all()
        members: dict[int, list[str]] = defaultdict(list)
        keys: dict[int, str] = {}
        for group_id, starter_key, user_id in rows:
            members[group_id].append(user_id)
            keys[group_id] = starter_key
        used: dict[frozenset[str], list[str]] = defaultdict(list)
        for group_id, users in members.items():
            for i, a in enumerate(users):
                for b in users[i + 1 :]:
                    used[frozenset((a, b))].extend(keys[group_id].split("+"))
        return used

    def _pause_ghost(
        self, session: Session, program: Program, round_: Round, user_id: str, now: datetime
    ) -> None:
        person = session.get(Person, (program.team_id, user_id))
        if person is None:
            return
        person.paused, person.paused_until, person.updated_at = True, None, now
        session.execute(
            sa.update(Membership)
            .where(Membership.program_id == program.id, Membership.user_id == user_id)
            .values(ghost_reset_at=now)
        )
        text, blocks = messages.ghost_notice(program)
        enqueue(
            session,
            team_id=program.team_id,
            key=f"ghost:{program.id}:{user_id}:{round_.id}",
            recipients=[user_id],
            text=text,
            blocks=blocks,
            now=now,
        )

    def _end(self, session: Session, mentorship_id: int, reason: str, now: datetime) -> None:
        mentorship = session.get(Mentorship, mentorship_id)
        if mentorship is None or mentorship.ended_at is not None:
            return
        mentorship.ended_at, mentorship.end_reason = now, reason
        program = session.get(Program, mentorship.program_id)
        if program is None:
            return
        enqueue(
            session,
            team_id=mentorship.team_id,
            key=f"ended:{mentorship.id}",
            recipients=[mentorship.mentor_id, mentorship.mentee_id],
            text=messages.ended_text(program, mentorship, reason),
            now=now,
        )

    # -- after the introduction ---------------------------------------------------------

    def answer(self, team_id: str, user_id: str, group_id: int, answer: Answer) -> Program:
        """Record what one person says about their introduction; answers may change."""
        with self._db.session() as session:
            member = session.get(GroupMember, (group_id, user_id))
            if member is None or member.team_id != team_id:
                raise NotAllowed("Only the people in this introduction can answer for it.")
            member.answer, member.answered_at = answer, self._clock.now()
            group = member.group
            program = session.get(Program, group.round.program_id)
            if program is None:
                raise UserFacingError("That program no longer exists.")
            return program

    def follow_up(self, round_id: int) -> int:
        """Ask groups that haven't answered whether they met; once per round."""
        now = self._clock.now()
        with self._db.session() as session:
            round_ = session.get(Round, round_id)
            if round_ is None or round_.followed_up_at is not None:
                return 0
            program = session.get(Program, round_.program_id)
            if program is None:
                return 0
            asked = 0
            for group in round_.groups:
                if group.answered:
                    continue
                text, blocks = messages.follow_up(program, round_, group)
                asked += enqueue(
                    session,
                    team_id=round_.team_id,
                    key=f"followup:{group.id}",
                    recipients=group.user_ids,
                    text=text,
                    blocks=blocks,
                    now=now,
                    priority=Priority.BULK,
                )
            round_.followed_up_at = now
            return asked

    def rounds_due_for_follow_up(self) -> list[int]:
        """Open rounds whose follow-up moment has come (settings decide how long before end)."""
        now = self._clock.now()
        with self._db.session() as session:
            due = []
            for round_, program in session.execute(
                sa.select(Round, Program)
                .join(Program, Program.id == Round.program_id)
                .where(Round.followed_up_at.is_(None), Round.ends_at > now)
            ):
                days = ProgramSettings.of(program.settings).followup_days
                if now >= round_.ends_at - timedelta(days=days):
                    due.append(round_.id)
            return due

    def ghost_choice(self, team_id: str, user_id: str, program_id: int, choice: str) -> Program:
        """Answer to "your introductions went unanswered": stay in, stay paused, or leave.

        Staying in starts the count of unanswered introductions afresh; leaving this program
        lifts the pause, which otherwise holds for every program the person is in.
        """
        program = self._programs.get(team_id, program_id)
        if choice == messages.GHOST_PAUSE:
            return program
        now = self._clock.now()
        with self._db.session() as session:
            membership = session.scalar(
                sa.select(Membership).where(
                    Membership.program_id == program_id, Membership.user_id == user_id
                )
            )
            person = session.get(Person, (team_id, user_id))
            if membership is None or person is None:
                raise UserFacingError("You're not in that program any more.")
            if choice == messages.GHOST_LEAVE:
                membership.status, membership.left_at = MembershipStatus.LEFT, now
            membership.ghost_reset_at = now
            person.paused, person.paused_until, person.updated_at = False, None, now
        return program

    def skip(self, team_id: str, user_id: str, program_id: int, period_key: str) -> Program:
        """Sit out the round of ``period_key``, if it hasn't started yet."""
        program = self._programs.get(team_id, program_id)
        if period_key <= period_at(cadence_of(program), self._clock.now()).key:
            raise UserFacingError("That round has already started; you can skip the next one.")
        with self._db.session() as session:
            if session.get(RoundSkip, (program_id, period_key, user_id)) is None:
                session.add(
                    RoundSkip(
                        program_id=program_id, period=period_key, user_id=user_id, team_id=team_id
                    )
                )
        return program

    def notice(self, program_id: int) -> int:
        """Tell coffee participants a round starts in about a day, with a way to skip it."""
        now = self._clock.now()
        with self._db.session() as session:
            program = session.get(Program, program_id)
            if program is None or program.kind is not ProgramKind.COFFEE:
                return 0
            if not ProgramSettings.of(program.settings).notice_before_round:
                return 0
            cadence = cadence_of(program)
            starts = next_slot(cadence, now)
            # About a day ahead; 36 hours leaves room for a clock change in between.
            if starts - now > timedelta(hours=36) or not cadence.is_round_week(
                starts.astimezone(cadence.zone).date()
            ):
                return 0
            upcoming = period_at(cadence, starts)
            people = session.execute(
                sa.select(Person)
                .join(
                    Membership,
                    sa.and_(
                        Membership.team_id == Person.team_id,
                        Membership.user_id == Person.user_id,
                    ),
                )
                .where(
                    Membership.program_id == program.id,
                    Membership.status == MembershipStatus.ACTIVE,
                    Person.inactive.is_(False),
                )
            ).scalars()
            sent = 0
            for person in people:
                if person.is_paused(now):
                    continue
                text, blocks = messages.round_notice(program, upcoming)
                sent += enqueue(
                    session,
                    team_id=program.team_id,
                    key=f"notice:{program.id}:{upcoming.key}:{person.user_id}",
                    recipients=[person.user_id],
                    text=text,
                    blocks=blocks,
                    now=now,
                    priority=Priority.BULK,
                )
            return sent

    # -- mentorships --------------------------------------------------------------------

    def end_mentorship(self, team_id: str, actor_id: str, partner_ids: list[str]) -> Mentorship:
        """End the actor's mentorship (with ``partner_ids[0]`` when they have several).

        Owners and admins may end someone else's by naming both people.
        """
        now = self._clock.now()
        with self._db.session() as session:
            active = list(
                session.scalars(
                    sa.select(Mentorship).where(
                        Mentorship.team_id == team_id, Mentorship.ended_at.is_(None)
                    )
                )
            )
            mine = [m for m in active if actor_id in (m.mentor_id, m.mentee_id)]
            if partner_ids and len(partner_ids) >= 2:
                a, b = partner_ids[:2]
                chosen = [m for m in active if {m.mentor_id, m.mentee_id} == {a, b}]
                if chosen and actor_id not in (a, b):
                    program = session.get(Program, chosen[0].program_id)
                    if program is None or not self._programs.can_run(team_id, actor_id, program):
                        raise NotAllowed("Only program owners and admins can end others' pairs.")
            elif partner_ids:
                chosen = [m for m in mine if partner_ids[0] in (m.mentor_id, m.mentee_id)]
            else:
                chosen = mine
            if not chosen:
                raise UserFacingError("There's no active mentorship to end there.")
            if len(chosen) > 1:
                raise UserFacingError(
                    "You're in several mentorships; name the person: `/mentor end @name`."
                )
            mentorship = chosen[0]
            reason = (
                "owner" if actor_id not in (mentorship.mentor_id, mentorship.mentee_id) else "ended"
            )
            self._end(session, mentorship.id, reason, now)
            return mentorship

    def end_finished_terms(self) -> int:
        """End mentorships whose term is over; run daily."""
        now = self._clock.now()
        with self._db.session() as session:
            due = list(
                session.scalars(
                    sa.select(Mentorship.id).where(
                        Mentorship.ended_at.is_(None), Mentorship.term_ends_at <= now
                    )
                )
            )
            for mentorship_id in due:
                self._end(session, mentorship_id, "term", now)
            return len(due)

    # -- do not pair --------------------------------------------------------------------

    def avoid(self, team_id: str, user_id: str, other_id: str) -> None:
        if other_id == user_id:
            raise UserFacingError("You won't be paired with yourself anyway.")
        with self._db.session() as session:
            if session.get(DoNotPair, (team_id, user_id, other_id)) is None:
                session.add(DoNotPair(team_id=team_id, user_id=user_id, other_id=other_id))

    def unavoid(self, team_id: str, user_id: str, other_id: str) -> bool:
        with self._db.session() as session:
            row = session.get(DoNotPair, (team_id, user_id, other_id))
            if row is None:
                return False
            session.delete(row)
            return True

    def avoided(self, team_id: str, user_id: str) -> list[str]:
        with self._db.session() as session:
            return list(
                session.scalars(
                    sa.select(DoNotPair.other_id).where(
                        DoNotPair.team_id == team_id, DoNotPair.user_id == user_id
                    )
                )
            )


def _seed(program_id: int, period_key: str) -> int:
    """The same round always draws the same way: previews show what a run will do."""
    return zlib.crc32(f"{program_id}:{period_key}".encode())
