"""Updates run side by side across people, and in order for each person."""

from __future__ import annotations

import asyncio

from tests.conftest import Foyer


async def test_one_slow_chat_does_not_hold_up_another(foyer: Foyer) -> None:
    slow, quick = foyer.new_user(), foyer.new_user()
    foyer.emu.inject(method="sendMessage", chat_id=slow, delay=1.5, times=1)
    foyer.emu.send_text(slow, "/help")
    await asyncio.sleep(0.1)
    foyer.emu.send_text(quick, "/help")
    await foyer.last_message(quick, timeout=1.0)  # answered while the slow chat still waits
    assert foyer.emu.messages(slow) == []
    await foyer.last_message(slow, timeout=5)


async def test_one_persons_updates_keep_their_order(foyer: Foyer) -> None:
    uid = foyer.new_user()
    foyer.emu.inject(method="sendMessage", chat_id=uid, delay=0.5, times=1)
    foyer.emu.send_text(uid, "/help")
    foyer.emu.send_text(uid, "/frobnicate")
    first, second = await foyer.emu.wait_for_messages(uid, 2, timeout=5)
    assert "Help" in (first.text or "")
    assert "don't know that command" in (second.text or "")
