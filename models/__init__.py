"""Sprout's storage: typed SQLAlchemy models and the pydantic schemas of what people submit.

Importing this package registers every table on :data:`Base.metadata`, which Alembic compares
against the migrations.
"""

from models.base import Base
from models.events import ProcessedEvent
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
from models.scheduling import JOBS_TABLE, apscheduler_jobs

__all__ = [
    "JOBS_TABLE",
    "Base",
    "Cadence",
    "Membership",
    "MembershipStatus",
    "Person",
    "ProcessedEvent",
    "Program",
    "ProgramKind",
    "ProgramOwner",
    "Role",
    "apscheduler_jobs",
]
