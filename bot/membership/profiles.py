"""A person's memberships: joining, editing a profile, pausing, leaving and being forgotten."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from bot.clock import Clock
from bot.db import Database
from bot.errors import CannotJoin, NotAMember
from bot.membership.messages import joined_text
from bot.pulse.ballots import token_for
from bot.slack.delivery import Priority, enqueue
from bot.slack.people import PeopleDirectory, SlackPerson
from models import (
    Conversation,
    DoNotPair,
    Group,
    GroupMember,
    Membership,
    MembershipStatus,
    Mentorship,
    OutboxMessage,
    Person,
    Program,
    ProgramOwner,
    Prompt,
    PulseInvitation,
    PulseSurvey,
    PulseToken,
    PulseWave,
    Role,
    RoundSkip,
    Unmatched,
)
from models.forms import FormErrors, ProfileInput
from models.programs import ProgramKind


@dataclass(frozen=True)
class Profile:
    """What a person sees of themselves: their pause state and active memberships."""

    person: Person | None
    memberships: list[Membership]
    now: datetime

    @property
    def paused(self) -> bool:
        return self.person is not None and self.person.is_paused(self.now)

    @property
    def program_ids(self) -> set[int]:
        return {m.program_id for m in self.memberships}


def check_can_join(person: SlackPerson | None) -> SlackPerson:
    if person is None:
        raise CannotJoin("Slack doesn't know your account, so I can't add you to a program.")
    if person.is_bot:
        raise CannotJoin("Bots can't join programs; Sprout pairs people.")
    if person.deleted:
        raise CannotJoin("Deactivated accounts can't join programs.")
    return person


def admit(people: PeopleDirectory, team_id: str, user_id: str, program: Program) -> SlackPerson:
    """The person as Slack knows them, if they may join ``program``; else say why not."""
    person = check_can_join(people.lookup(team_id, user_id))
    if program.channel_id and not people.in_channel(program.channel_id, user_id):
        raise CannotJoin(
            f"“{program.name}” is for members of <#{program.channel_id}>; join that channel first."
        )
    return person


def check_role_fits(profile: ProfileInput, program: Program) -> None:
    if not profile.fits(program.kind):
        wanted = "peer" if program.kind is ProgramKind.COFFEE else "mentor, mentee or both"
        raise FormErrors({"role": f"In “{program.name}” the role is {wanted}."})


class MembershipService:
    def __init__(self, db: Database, clock: Clock, people: PeopleDirectory) -> None:
        self._db = db
        self._clock = clock
        self._people = people

    def profile(self, team_id: str, user_id: str) -> Profile:
        with self._db.session() as session:
            person = session.get(Person, (team_id, user_id))
            memberships = list(
                session.scalars(
                    sa.select(Membership)
                    .options(selectinload(Membership.program))
                    .where(
                        Membership.team_id == team_id,
                        Membership.user_id == user_id,
                        Membership.status == MembershipStatus.ACTIVE,
                    )
                    .join(Program)
                    .order_by(Program.name_key)
                )
            )
        return Profile(person, memberships, self._clock.now())

    def active_membership(self, team_id: str, user_id: str, program_id: int) -> Membership | None:
        """The membership a profile form starts from; someone who left starts afresh."""
        with self._db.session() as session:
            membership = self._find(session, team_id, user_id, program_id)
        if membership is None or membership.status is MembershipStatus.LEFT:
            return None
        return membership

    def check_can_join(self, team_id: str, user_id: str, program: Program) -> None:
        """Refuse before the form opens, so nobody fills in a profile they can't save."""
        admit(self._people, team_id, user_id, program)

    def submit_profile(
        self,
        team_id: str,
        user_id: str,
        program: Program,
        values: dict[str, object],
        *,
        submission: str,
    ) -> tuple[Membership, bool]:
        """Validate a submitted profile form and join (or update); everyone in coffee is a peer."""
        if program.kind is ProgramKind.COFFEE:
            values = {**values, "role": Role.PEER.value}
        data = ProfileInput.model_validate(values)
        person = admit(self._people, team_id, user_id, program)
        return self.join(team_id, person, program, data, submission=submission)

    def join(
        self,
        team_id: str,
        slack_person: SlackPerson,
        program: Program,
        data: ProfileInput,
        *,
        submission: str | None = None,
    ) -> tuple[Membership, bool]:
        """Add or update a membership; returns it and whether the person newly joined.

        ``submission`` names the form that asked (Slack's view id), so its confirmation is sent
        once even if Slack delivers the submission twice.
        """
        check_role_fits(data, program)
        now = self._clock.now()
        with self._db.session() as session:
            person = self._upsert_person(session, team_id, slack_person, now)
            membership = self._find(session, team_id, person.user_id, program.id)
            newly = membership is None or membership.status is MembershipStatus.LEFT
            if membership is None:
                membership = Membership(
                    team_id=team_id, program_id=program.id, user_id=person.user_id, joined_at=now
                )
                session.add(membership)
            elif newly:
                membership.joined_at = now
            membership.status = MembershipStatus.ACTIVE
            membership.left_at = None
            membership.role = data.role
            membership.offers = list(data.offers)
            membership.wants = list(data.wants)
            membership.goals = data.goals
            membership.capacity = data.capacity
            session.flush()
            enqueue(
                session,
                team_id=team_id,
                key=f"joined:{membership.id}:{submission or f'{now.timestamp():.6f}'}",
                recipients=[person.user_id],
                text=joined_text(program, newly),
                now=now,
                priority=Priority.REPLY,
            )
            return membership, newly

    def pause(self, team_id: str, user_id: str, until: datetime | None) -> Person:
        with self._db.session() as session:
            person = self._member(session, team_id, user_id)
            person.paused = True
            person.paused_until = until
            person.updated_at = self._clock.now()
            return person

    def resume(self, team_id: str, user_id: str) -> bool:
        """Lift a pause; returns whether there was one to lift."""
        with self._db.session() as session:
            person = self._member(session, team_id, user_id)
            was_paused = person.is_paused(self._clock.now())
            person.paused = False
            person.paused_until = None
            person.updated_at = self._clock.now()
            return was_paused

    def leave(self, team_id: str, user_id: str, program_id: int) -> Program:
        with self._db.session() as session:
            membership = self._find(session, team_id, user_id, program_id)
            if membership is None or membership.status is MembershipStatus.LEFT:
                raise NotAMember("You're not in that program.")
            membership.status = MembershipStatus.LEFT
            membership.left_at = self._clock.now()
            return membership.program

    def forget(self, team_id: str, user_id: str) -> None:
        """Delete every row that names the person, and every message that mentions them.

        Their groups stay for the others in them (who met whom is partly the others' story),
        but without the person, and without the "why you were matched" that named them.
        """
        with self._db.session() as session:
            groups = list(
                session.scalars(
                    sa.select(GroupMember.group_id).where(
                        GroupMember.team_id == team_id, GroupMember.user_id == user_id
                    )
                )
            )
            if groups:
                session.execute(sa.update(Group).where(Group.id.in_(groups)).values(reasons=[]))
            for model in (Membership, ProgramOwner, GroupMember, Unmatched, RoundSkip):
                session.execute(
                    sa.delete(model).where(model.team_id == team_id, model.user_id == user_id)
                )
            session.execute(
                sa.delete(DoNotPair).where(
                    DoNotPair.team_id == team_id,
                    sa.or_(DoNotPair.user_id == user_id, DoNotPair.other_id == user_id),
                )
            )
            session.execute(
                sa.delete(Mentorship).where(
                    Mentorship.team_id == team_id,
                    sa.or_(Mentorship.mentor_id == user_id, Mentorship.mentee_id == user_id),
                )
            )
            # Pulse invitations name them; a token in a wave still open is theirs while its
            # key lives. Their answers name nobody and stay in the counts.
            for wave in session.scalars(
                sa.select(PulseWave).where(
                    PulseWave.team_id == team_id, PulseWave.token_key.is_not(None)
                )
            ):
                assert wave.token_key is not None
                session.execute(
                    sa.delete(PulseToken).where(
                        PulseToken.wave_id == wave.id,
                        PulseToken.token == token_for(wave.token_key, team_id, user_id),
                    )
                )
            session.execute(
                sa.delete(PulseInvitation).where(
                    PulseInvitation.team_id == team_id, PulseInvitation.user_id == user_id
                )
            )
            # Surveys they created stay for the program, without their name on them.
            session.execute(
                sa.update(PulseSurvey)
                .where(PulseSurvey.team_id == team_id, PulseSurvey.created_by == user_id)
                .values(created_by=None)
            )
            # Prompts they added stay for the workspace, without their name on them.
            session.execute(
                sa.update(Prompt)
                .where(Prompt.team_id == team_id, Prompt.added_by == user_id)
                .values(added_by=None)
            )
            # Messages to them, or naming them: the recipients list and the text both tell.
            for message in session.scalars(
                sa.select(OutboxMessage).where(OutboxMessage.team_id == team_id)
            ):
                if (
                    user_id in message.recipients
                    or f"<@{user_id}>" in message.text
                    or user_id in json.dumps(message.blocks)  # a summary may name them only there
                ):
                    session.delete(message)
            session.execute(
                sa.delete(Conversation).where(
                    Conversation.team_id == team_id, Conversation.members.like(f"%{user_id}%")
                )
            )
            session.execute(
                sa.delete(Person).where(Person.team_id == team_id, Person.user_id == user_id)
            )

    def _upsert_person(
        self, session: Session, team_id: str, slack_person: SlackPerson, now: datetime
    ) -> Person:
        person = session.get(Person, (team_id, slack_person.user_id))
        if person is None:
            person = Person(
                team_id=team_id, user_id=slack_person.user_id, created_at=now, updated_at=now
            )
            session.add(person)
        person.name = slack_person.name
        person.timezone = slack_person.timezone
        person.inactive = False
        person.updated_at = now
        return person

    @staticmethod
    def _find(session: Session, team_id: str, user_id: str, program_id: int) -> Membership | None:
        return session.scalar(
            sa.select(Membership)
            .options(selectinload(Membership.program))
            .where(
                Membership.team_id == team_id,
                Membership.user_id == user_id,
                Membership.program_id == program_id,
            )
        )

    @staticmethod
    def _member(session: Session, team_id: str, user_id: str) -> Person:
        person = session.get(Person, (team_id, user_id))
        if person is None:
            raise NotAMember("You haven't joined a program yet. Try `/mentor join`.")
        return person
