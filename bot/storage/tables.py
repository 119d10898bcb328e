"""SQLAlchemy Core tables: the one place the schema is written (Alembic migrations follow it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC (portable across SQLite and PostgreSQL), returns aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


person = Table(
    "person",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("telegram_id", BigInteger, nullable=False, unique=True),
    Column("language", String(8), nullable=False),
    Column("first_name", String(64)),  # only when the person chose to show it
    Column("discreet", Boolean, nullable=False, default=False),
    Column("silent", Boolean, nullable=False, default=False),  # notifications without sound
    Column("auto_erase_hours", Integer),  # None: keep; else < 48 (Telegram's delete window)
    Column("voice_mode", String(8)),  # read | listen | both; None: as the language suggests
    Column("blocked", Boolean, nullable=False, default=False),
    Column("blocked_at", UTCDateTime),  # when Foyer learned it (the first time); None: not
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime),
)

group = Table(
    "group",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(120), nullable=False),
    Column("curriculum_id", String(64), nullable=False),
    Column("language", String(8), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("meet_weekday", Integer, nullable=False),
    Column("meet_time", String(5), nullable=False),
    Column("deliver_weekday", Integer, nullable=False),
    Column("deliver_time", String(5), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("checkin_after_days", Integer, nullable=False, default=3),
    Column("postponed_weeks", String(200), nullable=False, default=""),
    Column("paused", Boolean, nullable=False, default=False),
    Column("chat_id", BigInteger),  # the group's own Telegram group chat, once linked
    Column("country", String(2)),  # ISO 3166 code, picks the referral resources
    Column("region", String(80)),  # free text ("Ségou"): the programme report's disaggregation
    Column("reminder_24h", Boolean, nullable=False, default=True),
    Column("reminder_1h", Boolean, nullable=False, default=True),
    Column("guide_hours_before", Integer, nullable=False, default=24),
    Column("weekly_summary", Boolean, nullable=False, default=False),
    Column("couples_curriculum_id", String(64)),  # a couples track beside the main one
    Column("couples_weeks", String(100), nullable=False, default=""),  # e.g. "3,6,9,12"
    Column("created_at", UTCDateTime, nullable=False),
    # Planner cursor: everything due up to planned_until has been written to the outbox;
    # next_event_at is indexed so a tick touches only groups with something due.
    Column("planned_until", UTCDateTime, nullable=False),
    Column("next_event_at", UTCDateTime, index=True),
    # Random, made at the group's first removal: salts removed_person's hashes (hex).
    Column("removal_salt", String(64)),
)

invite = Table(
    "invite",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),  # member | partner | facilitator | recorder
    Column("languages", String(64)),  # a recorder invitation's languages, "bm,fr"
    Column("group_id", Integer, ForeignKey("group.id", ondelete="CASCADE")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime),
    Column("single_use", Boolean, nullable=False, default=False),
    Column("used_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
    # partner invitations: the member whose partner is invited; never shown to either side
    Column("membership_id", Integer, ForeignKey("membership.id", ondelete="CASCADE")),
    Column("created_by", Integer, ForeignKey("person.id", ondelete="SET NULL")),
)

membership = Table(
    "membership",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False),
    Column("group_id", Integer, ForeignKey("group.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(16), nullable=False),  # member | partner | facilitator
    Column("status", String(16), nullable=False),  # active | paused | stopped | removed
    Column("paused_until", UTCDateTime),  # None with status paused: until /resume
    Column("progress_opt_in", Boolean, nullable=False, default=False),
    Column("number", Integer, nullable=False),  # "Member 7" for those who show no name
    Column("joined_at", UTCDateTime, nullable=False),
    Column("left_at", UTCDateTime),  # when it became stopped or removed; None: taking part
    Column("partner_of", Integer, ForeignKey("membership.id", ondelete="SET NULL")),
    UniqueConstraint("person_id", "group_id", "role", name="uq_membership_person_group_role"),
    Index("ix_membership_group_status", "group_id", "status"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    # One row per (recipient, item): inserting twice is a no-op, so ticks, restarts and
    # a second process never send a duplicate.
    Column("key", String(128), nullable=False, unique=True),
    Column("chat_id", BigInteger, nullable=False),
    Column("person_id", Integer, ForeignKey("person.id", ondelete="CASCADE")),
    Column("membership_id", Integer, ForeignKey("membership.id", ondelete="CASCADE")),
    Column("group_id", Integer, ForeignKey("group.id", ondelete="CASCADE")),
    Column("kind", String(32), nullable=False),
    Column("week", Integer),
    Column("ref", String(64)),  # e.g. a broadcast id
    Column("due_at", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False),  # pending | sent | failed | expired | blocked
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime),
    Column("last_error", String(64)),  # an error class or code, never text from a person
    Column("message_id", BigInteger),
    Column("sent_at", UTCDateTime),
    # The worker that claimed the row (worker.id, no foreign key: a dead worker's row goes
    # first, then its claims are given back by bot/storage/workers.py).
    Column("claimed_by", Integer),
    Index("ix_outbox_status_due", "status", "due_at"),
    # A chat's messages go out in order: the claim looks for an earlier one still waiting.
    Index("ix_outbox_chat_status", "chat_id", "status"),
)

checkin = Table(
    "checkin",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "membership_id", Integer, ForeignKey("membership.id", ondelete="CASCADE"), nullable=False
    ),
    Column("week", Integer, nullable=False),
    Column("value", String(8), nullable=False),  # done | partly | notyet
    Column("answered_at", UTCDateTime, nullable=False),
    UniqueConstraint("membership_id", "week", name="uq_checkin_membership_week"),
)

session_log = Table(
    "session_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("group_id", Integer, ForeignKey("group.id", ondelete="CASCADE"), nullable=False),
    Column("week", Integer, nullable=False),
    Column("held", Boolean, nullable=False),
    Column("attendance", Integer),
    Column("logged_at", UTCDateTime, nullable=False),
    UniqueConstraint("group_id", "week", name="uq_session_log_group_week"),
)


staff = Table(
    "staff",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(24), nullable=False),  # facilitator | partner_contact | recorder
    Column("languages", String(64)),  # a recorder's languages, "bm,fr"
    Column("accepted_conduct_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    UniqueConstraint("person_id", "role", name="uq_staff_person_role"),
)

broadcast = Table(
    "broadcast",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("group_id", Integer, ForeignKey("group.id", ondelete="CASCADE"), nullable=False),
    Column("author_id", Integer, ForeignKey("person.id", ondelete="SET NULL")),
    Column("kind", String(16), nullable=False),  # text | photo | voice | audio | reminder
    Column("text", Text),  # the facilitator's own words, sent to the group
    Column("file_id", String(256)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("confirmed_at", UTCDateTime),
    Column("send_at", UTCDateTime),  # when members receive it (a /remind may be later)
    Column("summarized_at", UTCDateTime),  # the delivery summary went to the author
)

concern = Table(
    "concern",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reference", String(16), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),  # feedback | complaint
    Column("about", String(16), nullable=False),  # facilitator | member | programme
    Column("anonymous", Boolean, nullable=False),
    # Kept even when anonymous, only to route answers back; never shown to focal points.
    Column("reporter_id", Integer, ForeignKey("person.id", ondelete="SET NULL")),
    Column("group_id", Integer, ForeignKey("group.id", ondelete="SET NULL")),
    Column("text", Text, nullable=False),  # the one free text Foyer stores
    Column("status", String(16), nullable=False),  # open | received | closed
    Column("created_at", UTCDateTime, nullable=False),
    Column("purge_after", UTCDateTime, nullable=False, index=True),
)

erasable = Table(
    "erasable",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, ForeignKey("person.id", ondelete="CASCADE")),
    Column("chat_id", BigInteger, nullable=False),
    Column("message_id", BigInteger, nullable=False),
    Column("sent_at", UTCDateTime, nullable=False),
    Column("erase_at", UTCDateTime, index=True),  # None: only on /erase
    UniqueConstraint("chat_id", "message_id", name="uq_erasable_chat_id"),
)

# Which facilitator runs which group (several groups each; co-facilitators share a group).
# Kept apart from membership so a facilitator's own /pause or /stop never touches the role.
facilitation = Table(
    "facilitation",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("group_id", Integer, ForeignKey("group.id", ondelete="CASCADE"), nullable=False),
    Column("person_id", Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("group_id", "person_id", name="uq_facilitation_group_person"),
    Index("ix_facilitation_person", "person_id"),
)

partner_contact = Table(
    "partner_contact",
    metadata,
    # A women's organisation contact, registered by an admin, who may invite partners of the
    # members of one group (the recommended path: the invitation does not pass through the man).
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, ForeignKey("person.id", ondelete="CASCADE"), nullable=False),
    Column("group_id", Integer, ForeignKey("group.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    UniqueConstraint("person_id", "group_id", name="uq_partner_contact_person_group"),
)

# People a facilitator removed from a group, kept so that /forget does not undo the removal:
# a salted hash of the Telegram id (never the id), for as long as the group exists.
removed_person = Table(
    "removed_person",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("group_id", Integer, ForeignKey("group.id", ondelete="CASCADE"), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("removed_at", UTCDateTime, nullable=False),
    UniqueConstraint("group_id", "digest", name="uq_removed_person_group_digest"),
)

# The senders at work on this database, one row each while it runs (bot/storage/workers.py):
# a row not seen for FOYER_WORKER_LEASE_SECONDS is a dead worker, whose claims go back.
worker = Table(
    "worker",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("seen_at", UTCDateTime, nullable=False),
    # Never an id twice, SQLite too: claims name their worker, and may outlive it.
    sqlite_autoincrement=True,
)

# The updates already handled (webhook redeliveries, a poller's handover): an update whose id
# is here is not handled again. Pruned after a day; Telegram redelivers within hours.
handled_update = Table(
    "handled_update",
    metadata,
    Column("update_id", BigInteger, primary_key=True, autoincrement=False),
    Column("handled_at", UTCDateTime, nullable=False, index=True),
)

# When something last happened, for `foyer status` and /healthz (another process reads them):
# "planner.tick", "bot_api.ok". One row a name; no person in it.
service_mark = Table(
    "service_mark",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("at", UTCDateTime, nullable=False),
)

# The audio library: the programme recorded by the organisation's staff in Telegram
# (bot/domain/audio.py names the keys and statuses). No member data: who recorded and who
# reviewed are staff, kept for accountability. The voice note is held by Telegram: its file_id
# (valid for `bot_id` only) is the recording; `foyer content audio export` keeps the bytes.
recording = Table(
    "recording",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("curriculum_id", String(64), nullable=False),  # "" for Foyer's own screens
    Column("week", Integer, nullable=False),  # 0 for an item of no week
    Column("item", String(32), nullable=False),
    Column("language", String(8), nullable=False),
    Column("status", String(16), nullable=False),  # RecordingStatus
    Column("bot_id", BigInteger, nullable=False),
    Column("file_id", String(256), nullable=False),
    Column("file_unique_id", String(64)),
    Column("duration", Integer, nullable=False),  # seconds
    Column("recorded_by", Integer, ForeignKey("person.id", ondelete="SET NULL")),
    Column("reviewed_by", Integer, ForeignKey("person.id", ondelete="SET NULL")),
    Column("reason", String(200)),  # why it was rejected, in the reviewer's words
    Column("created_at", UTCDateTime, nullable=False),
    Column("submitted_at", UTCDateTime),
    Column("reviewed_at", UTCDateTime),
    Index("ix_recording_key", "curriculum_id", "week", "item", "language", "status"),
    sqlite_autoincrement=True,
)

# Files Foyer uploaded to Telegram, so each goes up once per bot (a file_id belongs to one bot):
# `source` is "sha256:<hex>" of a curriculum's file, or "recording:<id>" for one re-uploaded
# from an export.
audio_upload = Table(
    "audio_upload",
    metadata,
    Column("bot_id", BigInteger, primary_key=True, autoincrement=False),
    Column("source", String(80), primary_key=True),
    Column("file_id", String(256), nullable=False),
    Column("uploaded_at", UTCDateTime, nullable=False),
)

# How often the help screen was shown, per day, group (0: a person in no group) and the
# language it was shown in: a counter for the programme's safeguarding figures that holds no
# person (bot/storage/help_counts.py; the help path only adds to it).
help_count = Table(
    "help_count",
    metadata,
    Column("day", Date, primary_key=True),
    Column("group_id", Integer, primary_key=True, autoincrement=False),
    Column("language", String(8), primary_key=True),
    Column("count", Integer, nullable=False),
)
