"""The audio library's workflow: what is left to record, drafts, submission and review.

A recorder's voice note is kept as his draft; he may listen, redo or cancel it, then submit it
(pending). A second person, an admin or another recorder of the language, approves or rejects
it with a reason; nobody reviews his own recording, whatever button he forges. Approving marks
the key's previous approved recording replaced in the same transaction, so members (who only
ever receive approved recordings) hear the old one until the new one is approved.

Services raise `NotAllowed` (not this person's to do) or `Unavailable` (the recording is gone
or no longer waits for this); `OwnRecording` is the refusal to review one's own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.domain.audio import FOYER_ITEMS, MAX_SECONDS, AudioItem, AudioKey, RecordingStatus
from bot.domain.curriculum import Curriculum, Week
from bot.domain.policy import NotAllowed, Unavailable
from bot.runtime import Runtime
from bot.services import invitations
from bot.services.recorders import Recorder
from bot.storage import people, recordings
from bot.storage.recordings import Recording

log = logging.getLogger(__name__)

REASON_MAX = 200  # recording.reason's width: a reason is a line, not a letter
# Languages whose members are told that written messages come in another language: only
# Bambara has no reviewed written catalog yet (issue 21, point 6).
NOTICE_LANGUAGES = ("bm",)


class OwnRecording(NotAllowed):
    """A reviewer asked to approve or reject a recording of his own."""


class TooLong(Unavailable):
    """A voice note over MAX_SECONDS."""


# --- what there is to record -----------------------------------------------------------------


def week_items(week: Week) -> list[AudioItem]:
    """The items a week has, as members receive them."""
    found = []
    if week.prompt is not None and week.challenge is not None:
        found.append(AudioItem.PROMPT)
    if week.checkin is not None:
        found.append(AudioItem.CHECKIN)
    if week.tip is not None:
        found.append(AudioItem.TIP)
    if week.couples_exercise is not None:
        found.append(AudioItem.COUPLES)
    return found


def curriculum_keys(cur: Curriculum, language: str) -> list[AudioKey]:
    """Every key of a curriculum in a language: its weeks' items in order, then its code of
    conduct."""
    keys = [
        AudioKey(cur.id, w.number, item, language)
        for w in sorted(cur.week, key=lambda w: w.number)
        for item in week_items(w)
    ]
    return [*keys, AudioKey(cur.id, 0, AudioItem.CONDUCT, language)]


def foyer_keys(language: str) -> list[AudioKey]:
    """Foyer's own screens of joining, in a language."""
    return [
        AudioKey("", 0, item, language)
        for item in FOYER_ITEMS
        if item is not AudioItem.LANGUAGE_NOTICE or language in NOTICE_LANGUAGES
    ]


def keys_of(rt: Runtime, curriculum_id: str, language: str) -> list[AudioKey]:
    """The keys of one curriculum ("" for Foyer's screens); none for an unknown one."""
    if not curriculum_id:
        return foyer_keys(language)
    cur = rt.curricula.get(curriculum_id)
    return curriculum_keys(cur, language) if cur is not None else []


def exists(rt: Runtime, key: AudioKey) -> bool:
    return key in keys_of(rt, key.curriculum, key.language)


@dataclass(frozen=True)
class Coverage:
    """One curriculum (or Foyer's screens, curriculum "") in one language."""

    curriculum: str
    language: str
    keys: list[AudioKey]
    approved: frozenset[AudioKey]
    pending: frozenset[AudioKey]

    @property
    def missing(self) -> list[AudioKey]:
        """What still lacks an approved recording, in order."""
        return [k for k in self.keys if k not in self.approved]


async def coverage(rt: Runtime, language: str, curriculum_id: str) -> Coverage:
    keys = keys_of(rt, curriculum_id, language)
    async with rt.engine.connect() as conn:
        found = await recordings.statuses(conn, language)
    approved = frozenset(k for k in keys if RecordingStatus.APPROVED in found.get(k, set()))
    pending = frozenset(k for k in keys if RecordingStatus.PENDING in found.get(k, set()))
    return Coverage(curriculum_id, language, keys, approved, pending)


async def overview(rt: Runtime, languages: tuple[str, ...]) -> list[Coverage]:
    """For each language, each curriculum then Foyer's screens."""
    found = []
    for lang in languages:
        for cur_id in [*rt.curricula.ids(), ""]:
            found.append(await coverage(rt, lang, cur_id))
    return found


# --- recording ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VoiceNote:
    file_id: str
    file_unique_id: str | None
    duration: int


def may_record(who: Recorder, key: AudioKey) -> bool:
    return who.person_id is not None and key.language in who.records


async def save_draft(
    rt: Runtime, who: Recorder, key: AudioKey, note: VoiceNote, bot_id: int
) -> int:
    """Keep the voice note as his draft of ``key`` (his earlier draft of it goes)."""
    if not may_record(who, key) or who.person_id is None:
        raise NotAllowed
    if not exists(rt, key):
        raise Unavailable
    if note.duration > MAX_SECONDS:
        raise TooLong
    async with rt.engine.begin() as conn:
        rid = await recordings.add_draft(
            conn,
            key,
            bot_id=bot_id,
            file_id=note.file_id,
            file_unique_id=note.file_unique_id,
            duration=note.duration,
            recorded_by=who.person_id,
            now=rt.clock.now(),
        )
    log.info("recording.draft id=%s key=%s seconds=%s", rid, key.text(), note.duration)
    return rid


async def own_draft(rt: Runtime, who: Recorder, recording_id: int) -> Recording:
    """His own draft, still a draft, of a language he still records; else Unavailable (the
    stale answer: another person's draft is as good as gone)."""
    async with rt.engine.connect() as conn:
        found = await recordings.get(conn, recording_id)
    if (
        found is None
        or found.status is not RecordingStatus.DRAFT
        or found.recorded_by != who.person_id
        or not may_record(who, found.key)
    ):
        raise Unavailable
    return found


async def discard(rt: Runtime, who: Recorder, recording_id: int) -> Recording:
    """Delete his draft (Redo, Cancel)."""
    draft = await own_draft(rt, who, recording_id)
    assert who.person_id is not None
    async with rt.engine.begin() as conn:
        if not await recordings.discard_draft(conn, recording_id, who.person_id):
            raise Unavailable
    log.info("recording.discarded id=%s", recording_id)
    return draft


async def submit(rt: Runtime, who: Recorder, recording_id: int) -> Recording:
    """His draft now waits for a second person."""
    draft = await own_draft(rt, who, recording_id)
    assert who.person_id is not None
    async with rt.engine.begin() as conn:
        if not await recordings.submit(conn, recording_id, who.person_id, rt.clock.now()):
            raise Unavailable
    log.info("recording.submitted id=%s key=%s", recording_id, draft.key.text())
    return draft


# --- review --------------------------------------------------------------------------------------


async def reviewable(rt: Runtime, who: Recorder) -> list[Recording]:
    """What waits for this person's review: his languages, never his own recordings."""
    if not who.reviews:
        return []
    async with rt.engine.connect() as conn:
        return await recordings.pending(conn, who.reviews, who.person_id)


async def for_review(rt: Runtime, who: Recorder, recording_id: int) -> Recording:
    """A pending recording this person may review; OwnRecording for his own."""
    async with rt.engine.connect() as conn:
        found = await recordings.get(conn, recording_id)
    if found is None or found.key.language not in who.reviews:
        raise Unavailable
    if who.person_id is not None and found.recorded_by == who.person_id:
        raise OwnRecording
    if found.status is not RecordingStatus.PENDING:
        raise Unavailable
    return found


async def _reviewer_id(rt: Runtime, who: Recorder, language: str) -> int:
    """The reviewer's person id, kept for accountability: an admin who never used Foyer gets
    a person row (his Telegram id and language only), as a facilitator does on accepting."""
    if who.person_id is not None:
        return who.person_id
    async with rt.engine.begin() as conn:
        p = await invitations.staff_person(conn, who.telegram_id, language, rt.clock.now())
    return p.id


async def approve(rt: Runtime, who: Recorder, recording_id: int, language: str) -> Recording:
    """Approve it: members hear it from now on, in place of the key's earlier one."""
    await for_review(rt, who, recording_id)
    reviewer = await _reviewer_id(rt, who, language)
    async with rt.engine.begin() as conn:
        done = await recordings.approve(conn, recording_id, reviewer, rt.clock.now())
    if done is None:
        raise Unavailable  # reviewed by someone else meanwhile
    log.info("recording.approved id=%s key=%s reviewer=%s", done.id, done.key.text(), reviewer)
    return done


async def reject(
    rt: Runtime, who: Recorder, recording_id: int, reason: str, language: str
) -> Recording:
    """Reject it with the reviewer's reason (kept, told to the recorder, never logged)."""
    await for_review(rt, who, recording_id)
    reviewer = await _reviewer_id(rt, who, language)
    async with rt.engine.begin() as conn:
        done = await recordings.reject(
            conn, recording_id, reviewer, reason.strip()[:REASON_MAX], rt.clock.now()
        )
    if done is None:
        raise Unavailable
    log.info("recording.rejected id=%s key=%s reviewer=%s", done.id, done.key.text(), reviewer)
    return done


async def recorder_chat(rt: Runtime, recording: Recording) -> tuple[int, str] | None:
    """Where to tell the recorder about his recording's review: his Telegram id and language
    (None when he was forgotten)."""
    if recording.recorded_by is None:
        return None
    async with rt.engine.connect() as conn:
        p = await people.get(conn, recording.recorded_by)
    return (p.telegram_id, p.language) if p is not None else None
