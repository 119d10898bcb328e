"""Buttons as one vocabulary: every family has its handler, checked when the application is
built, and whatever does not unpack to a family gets the one stale answer and changes nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from bot.app import build_application
from bot.domain.buttons import Button, base, families, unpack
from bot.emulator import BotAPIEmulator
from bot.handlers.routing import ButtonsUnanswered
from tests.conftest import Foyer, make_settings


def test_a_button_family_without_a_handler_stops_the_build_in_one_line(
    emu: BotAPIEmulator, db_url: str
) -> None:
    @dataclass(frozen=True)
    class Orphan(Button):
        PATTERN = re.compile(r"orphan")

        def pack(self) -> str:
            return "orphan"

        @classmethod
        def from_match(cls, m: re.Match[str]) -> Orphan:
            return cls()

    try:
        with pytest.raises(ButtonsUnanswered) as refused:
            build_application(make_settings(emu, db_url))
        assert str(refused.value) == "button families without a handler: Orphan"
    finally:
        base._FAMILIES.remove(Orphan)  # the registry is the process's: leave it as it was
    assert Orphan not in families()


def test_no_two_families_claim_the_same_data() -> None:
    # Each example unpacks to one family, which packs it back as it came.
    samples = {
        "ci:5:3:d", "cc:1:2:h", "jl:abc:en", "ja:abc:en:1:1:0", "lang:bm", "pz:0", "st:y",
        "mm:help", "pl:abc:es", "kc:abc", "kx", "zh:t", "zd:n", "zc:cf1", "zf:r:12", "zs:e:48",
        "zx:y", "sl:1:2:n", "sn:1:2:7:c", "fg:3:iry", "fg:3:dy:9", "pg:g:1", "pg:m:0:4",
    }  # fmt: skip
    for data in samples:
        matching = [f.__name__ for f in families() if f.PATTERN.fullmatch(data)]
        assert len(matching) == 1, (data, matching)
        button = unpack(data)
        assert button is not None and button.pack() == data


async def test_forged_stale_and_overlong_buttons_get_the_one_stale_answer(foyer: Foyer) -> None:
    uid = foyer.new_user()
    foyer.emu.send_text(uid, "/help")
    anchor = await foyer.last_message(uid)
    for data in ("ci:1:1:x", "zz:1", "fg:1:nope", "ci:" + "9" * 70, "", "pg:g:1:5"):
        qid = foyer.emu.press_button(uid, anchor.message_id, data)
        answer = await foyer.emu.wait_for_callback_answer(qid)
        assert answer["text"] == "This button no longer works.", data
