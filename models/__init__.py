"""Sprout's storage: typed SQLAlchemy models and the pydantic schemas of what people submit.

Importing this package registers every table on :data:`Base.metadata`, which Alembic compares
against the migrations.
"""

from models.base import Base
from models.events import ProcessedEvent
from models.insights import InsightSnapshot
from models.mentoring import (
    Agreement,
    CheckIn,
    CloseOut,
    FeedbackSent,
    Goal,
    GoalOutcome,
    GoalProgress,
    GoalProgressLevel,
    GoalStatus,
    MeetingAnswer,
    PromptUse,
    Review,
)
from models.outbox import Conversation, OutboxMessage, OutboxStatus
from models.people import Person
from models.programs import (
    Cadence,
    Membership,
    MembershipStatus,
    Program,
    ProgramKind,
    ProgramOwner,
    Role,
)
from models.prompts import Prompt
from models.pulse import (
    PulseAnswer,
    PulseInvitation,
    PulseSchedule,
    PulseSurvey,
    PulseToken,
    PulseWave,
    QuestionKind,
)
from models.rounds import (
    Answer,
    DoNotPair,
    Group,
    GroupMember,
    Mentorship,
    Round,
    RoundSkip,
    Unmatched,
)
from models.scheduling import JOBS_TABLE, apscheduler_jobs

__all__ = [
    "JOBS_TABLE",
    "Agreement",
    "Answer",
    "Base",
    "Cadence",
    "CheckIn",
    "CloseOut",
    "Conversation",
    "DoNotPair",
    "FeedbackSent",
    "Goal",
    "GoalOutcome",
    "GoalProgress",
    "GoalProgressLevel",
    "GoalStatus",
    "Group",
    "GroupMember",
    "InsightSnapshot",
    "MeetingAnswer",
    "Membership",
    "MembershipStatus",
    "Mentorship",
    "OutboxMessage",
    "OutboxStatus",
    "Person",
    "ProcessedEvent",
    "Program",
    "ProgramKind",
    "ProgramOwner",
    "Prompt",
    "PromptUse",
    "PulseAnswer",
    "PulseInvitation",
    "PulseSchedule",
    "PulseSurvey",
    "PulseToken",
    "PulseWave",
    "QuestionKind",
    "Review",
    "Role",
    "Round",
    "RoundSkip",
    "Unmatched",
    "apscheduler_jobs",
]
