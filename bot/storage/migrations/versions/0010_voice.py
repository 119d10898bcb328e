"""voice: the audio library, files uploaded once per bot, members' voice mode, recorders

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 07:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("voice_mode", sa.String(length=8), nullable=True))
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("languages", sa.String(length=64), nullable=True))
    with op.batch_alter_table("invite") as batch:
        batch.add_column(sa.Column("languages", sa.String(length=64), nullable=True))
    op.create_table(
        "recording",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("curriculum_id", sa.String(length=64), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("bot_id", sa.BigInteger(), nullable=False),
        sa.Column("file_id", sa.String(length=256), nullable=False),
        sa.Column("file_unique_id", sa.String(length=64), nullable=True),
        sa.Column("duration", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["person.id"],
            name=op.f("fk_recording_recorded_by_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"],
            ["person.id"],
            name=op.f("fk_recording_reviewed_by_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_recording_key",
        "recording",
        ["curriculum_id", "week", "item", "language", "status"],
        unique=False,
    )
    op.create_table(
        "audio_upload",
        sa.Column("bot_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("file_id", sa.String(length=256), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("bot_id", "source", name=op.f("pk_audio_upload")),
    )


def downgrade() -> None:
    op.drop_table("audio_upload")
    op.drop_index("ix_recording_key", table_name="recording")
    op.drop_table("recording")
    with op.batch_alter_table("invite") as batch:
        batch.drop_column("languages")
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("languages")
    with op.batch_alter_table("person") as batch:
        batch.drop_column("voice_mode")
