"""facilitators: who facilitates which group; broadcast timing and summaries

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "facilitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["group.id"],
            name=op.f("fk_facilitation_group_id_group"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_facilitation_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facilitation")),
        sa.UniqueConstraint("group_id", "person_id", name="uq_facilitation_group_person"),
    )
    with op.batch_alter_table("facilitation", schema=None) as batch_op:
        batch_op.create_index("ix_facilitation_person", ["person_id"], unique=False)

    with op.batch_alter_table("broadcast", schema=None) as batch_op:
        batch_op.add_column(sa.Column("send_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("summarized_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("broadcast", schema=None) as batch_op:
        batch_op.drop_column("summarized_at")
        batch_op.drop_column("send_at")
    with op.batch_alter_table("facilitation", schema=None) as batch_op:
        batch_op.drop_index("ix_facilitation_person")
    op.drop_table("facilitation")
