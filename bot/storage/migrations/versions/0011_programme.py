"""programme monitoring: a group's region, and the help screen's counter (no person in it)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 07:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("group") as batch:
        batch.add_column(sa.Column("region", sa.String(length=80), nullable=True))
    op.create_table(
        "help_count",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("group_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "group_id", "language", name=op.f("pk_help_count")),
    )


def downgrade() -> None:
    op.drop_table("help_count")
    with op.batch_alter_table("group") as batch:
        batch.drop_column("region")
