"""How a member receives the programme: read, listen or both (chosen at joining or in
/settings; until then the language's default, `bot.domain.audio.voice_mode`)."""

from __future__ import annotations

import logging

from bot.domain.audio import VoiceMode, voice_mode
from bot.runtime import Runtime
from bot.storage import people
from bot.storage.people import PersonRow

log = logging.getLogger(__name__)


def mode_of(person: PersonRow) -> VoiceMode:
    """His choice, or his language's default while he has made none."""
    return voice_mode(person.voice_mode, person.language)


async def choose(rt: Runtime, person_id: int, mode: VoiceMode) -> PersonRow | None:
    """Store his choice; the person as he now is, or None when he is gone (/forget)."""
    async with rt.engine.begin() as conn:
        if not await people.set_voice_mode(conn, person_id, mode.value):
            return None
        found = await people.get(conn, person_id)
    log.info("voice.mode_chosen person=%s mode=%s", person_id, mode.value)
    return found
