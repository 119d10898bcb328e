"""removed people: a salted hash of each removed person's Telegram id, per group

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("group", schema=None) as batch_op:
        batch_op.add_column(sa.Column("removal_salt", sa.String(length=64), nullable=True))
    op.create_table(
        "removed_person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("removed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["group.id"],
            name=op.f("fk_removed_person_group_id_group"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_removed_person")),
        sa.UniqueConstraint("group_id", "digest", name="uq_removed_person_group_digest"),
    )


def downgrade() -> None:
    op.drop_table("removed_person")
    with op.batch_alter_table("group", schema=None) as batch_op:
        batch_op.drop_column("removal_salt")
