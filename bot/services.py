"""Every service Sprout runs, built once in the composition root and handed to the handlers."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient

from bot.access import Access
from bot.checkins.service import CheckInService
from bot.clock import Clock
from bot.config import Settings
from bot.db import Database
from bot.events import EventLedger
from bot.home.service import HomeService
from bot.insights.export_service import ExportService
from bot.insights.service import InsightsService
from bot.insights.snapshots import InsightSnapshots
from bot.membership.profiles import MembershipService
from bot.membership.programs import ProgramService
from bot.mentoring.service import Mentoring
from bot.pairing.rounds import RoundService
from bot.prompts.service import PromptService
from bot.pulse.results_service import PulseResultsService
from bot.pulse.surveys import PulseService
from bot.slack.client import sending_client
from bot.slack.delivery import Deliverer, Outbox
from bot.slack.people import PeopleDirectory


@dataclass(frozen=True)
class Services:
    settings: Settings
    db: Database
    clock: Clock
    client: WebClient
    people: PeopleDirectory
    access: Access
    programs: ProgramService
    memberships: MembershipService
    home: HomeService
    events: EventLedger
    rounds: RoundService
    mentoring: Mentoring
    checkins: CheckInService
    prompts: PromptService
    pulse_results: PulseResultsService
    pulses: PulseService
    exports: ExportService
    insights: InsightsService
    insight_snapshots: InsightSnapshots
    deliverer: Deliverer
    outbox: Outbox

    @classmethod
    def build(cls, settings: Settings, db: Database, client: WebClient, clock: Clock) -> Services:
        people = PeopleDirectory(client, clock)
        access = Access(people, settings.sprout_admins)
        programs = ProgramService(db, clock, access, people)
        memberships = MembershipService(db, clock, people)
        pulse_results = PulseResultsService(db, client, access, Outbox(db, clock))
        insights = InsightsService(db, clock, client, access, programs, Outbox(db, clock))
        snapshots = InsightSnapshots(db, clock, client)
        return cls(
            settings=settings,
            db=db,
            clock=clock,
            client=client,
            people=people,
            access=access,
            programs=programs,
            memberships=memberships,
            home=HomeService(
                client, db, programs, memberships, access, pulse_results, insights=snapshots
            ),
            events=EventLedger(db, clock),
            rounds=RoundService(db, clock, people, programs, settings.sprout_admins),
            mentoring=Mentoring.build(db, clock, people, settings.sprout_admins),
            checkins=CheckInService(db, clock, people, settings.sprout_admins),
            prompts=PromptService(db, clock, access),
            pulse_results=pulse_results,
            pulses=PulseService(db, clock, access, people, settings.sprout_admins),
            exports=ExportService(db, client, clock, programs),
            insights=insights,
            insight_snapshots=snapshots,
            deliverer=Deliverer(db, sending_client(client), clock),
            outbox=Outbox(db, clock),
        )
