"""leaving dates: when a membership stopped or was removed, and when a person blocked the bot

`retained` counts a past period with them (docs/indicators.md); rows older than this revision
keep NULL, and today's status rules for them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 09:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("membership") as batch:
        batch.add_column(sa.Column("left_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("blocked_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.drop_column("blocked_at")
    with op.batch_alter_table("membership") as batch:
        batch.drop_column("left_at")
