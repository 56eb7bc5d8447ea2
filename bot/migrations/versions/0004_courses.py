"""Courses: where each person who opted in is, the anonymous counters of sessions, and the
course a reminder broadcast belongs to (docs/evaluation.md).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from bot.db.schema import Day, Flag, Id

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

EVENTS = ", ".join(
    f"'{event}'"
    for event in (
        "started",
        "done",
        "stopped",
        "safe_choice",
        "other_choice",
        "right_answer",
        "wrong_answer",
    )
)


def upgrade() -> None:
    # A plain ADD COLUMN on both engines: no copy of the broadcasts table (on SQLite a copy
    # would drop the old table, and its delivery queue with it, through ON DELETE CASCADE).
    op.add_column("broadcasts", sa.Column("course_id", sa.Text(), nullable=True))
    op.create_table(
        "course_enrolments",
        sa.Column(
            "chat_id",
            Id,
            sa.ForeignKey("users.chat_id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("course_id", sa.Text(), primary_key=True),
        sa.Column("done", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("status", sa.Text(), nullable=False, server_default="active"),
        sa.Column("opens_on", Day(), nullable=False),
        sa.Column("reminded", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("retake", Flag(), nullable=False, server_default="0"),
        sa.CheckConstraint("status IN ('active', 'paused', 'stopped', 'finished')"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "course_counts",
        sa.Column("course_id", sa.Text(), primary_key=True),
        sa.Column("session", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("event", sa.Text(), primary_key=True),
        sa.Column("role", sa.Text(), primary_key=True),
        sa.Column("region", sa.Text(), primary_key=True),
        sa.Column("week", Day(), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False, server_default="0"),
        sa.CheckConstraint(f"event IN ({EVENTS})"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("course_counts")
    op.drop_table("course_enrolments")
    op.drop_column("broadcasts", "course_id")  # native on SQLite 3.35 and later
