"""Voice notes a sandbox persona sends (`:voice 0:42`): real OGG/Opus files of the length asked,
so what Foyer keeps, forwards and the trainer plays is a file a phone would play too.

The sandbox runs without development dependencies (no codec), so the sound comes from one
committed second of tone (samples/tone-1s.ogg, made by scripts/make_test_audio.py): its 20 ms
Opus packets are repeated into new OGG pages with mutagen, their granule positions counted
again, so players and mutagen read the length asked for.
"""

from __future__ import annotations

import functools
import io
import struct
from importlib.resources import files

from mutagen.ogg import OggPage

SAMPLE = "tone-1s.ogg"
MAX_SECONDS = 600
_RATE = 48_000
_FRAME = 960  # 20 ms at 48 kHz, the packets repeated
_PER_PAGE = 25  # packets per page: half a second (a single audio page puts libsndfile off)


def _pages(data: bytes) -> list[OggPage]:
    stream, pages = io.BytesIO(data), []
    while True:
        try:
            pages.append(OggPage(stream))
        except EOFError:
            return pages


def _samples(packet: bytes) -> int:
    """The samples an Opus packet holds at 48 kHz, from its TOC byte (RFC 6716, 3.1)."""
    config, code = packet[0] >> 3, packet[0] & 3
    if config < 12:  # SILK: 10, 20, 40, 60 ms
        frame = (480, 960, 1920, 2880)[config % 4]
    elif config < 16:  # hybrid: 10, 20 ms
        frame = (480, 960)[config % 2]
    else:  # CELT: 2.5, 5, 10, 20 ms
        frame = (120, 240, 480, 960)[config % 4]
    frames = 1 if code == 0 else 2 if code in (1, 2) else packet[1] & 0x3F
    return frame * frames


@functools.cache
def _sample() -> tuple[bytes, bytes, int, int, tuple[bytes, ...]]:
    """The sample's OpusHead and OpusTags packets, its pre-skip and serial, and its 20 ms
    audio packets."""
    data = (files("bot.sandbox") / "samples" / SAMPLE).read_bytes()
    pages = _pages(data)
    head, tags, *audio = OggPage.to_packets(pages)
    pre_skip = struct.unpack_from("<H", head, 10)[0]
    whole = tuple(p for p in audio if _samples(p) == _FRAME)
    return head, tags, pre_skip, pages[0].serial, whole


def voice_note(seconds: int) -> bytes:
    """An OGG/Opus file of ``seconds`` (1 to MAX_SECONDS)."""
    if not 1 <= seconds <= MAX_SECONDS:
        raise ValueError(f"{seconds} s: from 1 to {MAX_SECONDS}")
    head, tags, pre_skip, serial, audio = _sample()
    wanted = seconds * _RATE // _FRAME
    packets = [audio[i % len(audio)] for i in range(wanted)]
    pages: list[OggPage] = []
    for number, packet_list in enumerate(([head], [tags])):
        page = OggPage()
        page.serial, page.sequence, page.position = serial, number, 0
        page.packets, page.first = packet_list, number == 0
        pages.append(page)
    for start in range(0, wanted, _PER_PAGE):
        page = OggPage()
        page.serial, page.sequence = serial, len(pages)
        page.packets = packets[start : start + _PER_PAGE]
        page.position = pre_skip + (start + len(page.packets)) * _FRAME
        pages.append(page)
    pages[-1].last = True
    return b"".join(page.write() for page in pages)
