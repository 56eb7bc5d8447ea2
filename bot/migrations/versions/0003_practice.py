"""Practice: how often each person ran a simulation, and the anonymous counters of choices
and of the checks before and after (docs/evaluation.md).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from bot.db.schema import Day, Flag, Id

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _where() -> list[sa.Column[object]]:
    """Role, region ('' for none) and week: the only dimensions a counter has."""
    return [
        sa.Column("role", sa.Text(), primary_key=True),
        sa.Column("region", sa.Text(), primary_key=True),
        sa.Column("week", Day(), primary_key=True),
    ]


def upgrade() -> None:
    op.create_table(
        "practice_runs",
        sa.Column(
            "chat_id",
            Id,
            sa.ForeignKey("users.chat_id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("simulation_id", sa.Text(), primary_key=True),
        sa.Column("runs", sa.Integer(), nullable=False, server_default="0"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "practice_counts",
        sa.Column("simulation_id", sa.Text(), primary_key=True),
        sa.Column("event", sa.Text(), primary_key=True),
        sa.Column("later_run", Flag(), primary_key=True),
        *_where(),
        sa.Column("count", sa.Integer(), nullable=False, server_default="0"),
        sa.CheckConstraint("event IN ('started', 'finished')"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "practice_choices",
        sa.Column("simulation_id", sa.Text(), primary_key=True),
        sa.Column("step_id", sa.Text(), primary_key=True),
        sa.Column("choice_id", sa.Text(), primary_key=True),
        sa.Column("later_run", Flag(), primary_key=True),
        *_where(),
        sa.Column("safe", Flag(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False, server_default="0"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "evaluation_answers",
        sa.Column("instrument_id", sa.Text(), primary_key=True),
        sa.Column("subject", sa.Text(), primary_key=True),
        sa.Column("phase", sa.Text(), primary_key=True),
        sa.Column("item_id", sa.Text(), primary_key=True),
        sa.Column("value", sa.Integer(), primary_key=True, autoincrement=False),
        *_where(),
        sa.Column("count", sa.Integer(), nullable=False, server_default="0"),
        sa.CheckConstraint("phase IN ('pre', 'post')"),
        sa.CheckConstraint("value BETWEEN 1 AND 5"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    for table in ("evaluation_answers", "practice_choices", "practice_counts", "practice_runs"):
        op.drop_table(table)
