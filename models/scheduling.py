"""APScheduler's job table, declared here so Alembic creates it like every other table.

The columns mirror apscheduler.jobstores.sqlalchemy.SQLAlchemyJobStore (3.11), which finds the
table in place and leaves it alone.
"""

from __future__ import annotations

import sqlalchemy as sa

from models.base import Base

JOBS_TABLE = "apscheduler_jobs"

apscheduler_jobs = sa.Table(
    JOBS_TABLE,
    Base.metadata,
    sa.Column("id", sa.Unicode(191), primary_key=True),
    sa.Column("next_run_time", sa.Float(25), index=True),
    sa.Column("job_state", sa.LargeBinary, nullable=False),
)
