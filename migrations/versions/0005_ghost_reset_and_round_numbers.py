"""ghost rule reset per membership; round numbers unique per program; no group channel

The group DM of an introduction is known to the outbox (and its conversations cache); the
column on groups was never used.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ghost_reset_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_rounds_program_number", ["program_id", "number"])
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.drop_column("channel_id")


def downgrade() -> None:
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel_id", sa.String(length=32), nullable=True))
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.drop_constraint("uq_rounds_program_number", type_="unique")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_column("ghost_reset_at")
