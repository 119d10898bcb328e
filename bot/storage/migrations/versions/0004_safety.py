"""safety: no schema change (0002 already holds concern, erasable and the person's discreet,
silent and auto_erase_hours columns); kept so the revision chain stays as planned

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
