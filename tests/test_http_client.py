"""Foyer's HTTP client under python-telegram-bot (bot/infra/http_client.py), over real HTTP
against the emulator: answers, errors, uploads, downloads and the flood gate."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut

from bot.emulator import BotAPIEmulator
from bot.infra.flood_gate import FloodGate
from bot.infra.http_client import AiohttpRequest, on_this_machine

USER = 1001
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
async def emu() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator() as emulator:
        emulator.send_text(USER, "/start")
        yield emulator


def client(emu: BotAPIEmulator, gate: FloodGate | None = None, in_flight: int = 4) -> Bot:
    return Bot(
        emu.token,
        base_url=emu.base_url,
        base_file_url=emu.base_file_url,
        request=AiohttpRequest(in_flight, gate),
    )


async def test_answers_and_telegrams_errors_come_back_as_ptb_gives_them(
    emu: BotAPIEmulator,
) -> None:
    async with client(emu) as bot:
        sent = await bot.send_message(USER, "Bonjour, ça va ? ߒߞߏ")
        assert sent.text == "Bonjour, ça va ? ߒߞߏ"
        emu.inject("sendMessage", 502, times=1)
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(USER, "lost")
    assert [m.text for m in emu.messages(USER)] == ["Bonjour, ça va ? ߒߞߏ"]


async def test_uploads_and_downloads_keep_names_and_bytes(emu: BotAPIEmulator) -> None:
    async with client(emu) as bot:
        sent = await bot.send_document(
            USER, document=b"%PDF-1.4 guide", filename="guide.pdf", caption="Week 1"
        )
        assert sent.document is not None and sent.caption == "Week 1"
        stored = emu.messages(USER)[-1]
        assert stored.file is not None and stored.file.file_name == "guide.pdf"
        got = await (await bot.get_file(sent.document.file_id)).download_as_bytearray()
        assert bytes(got) == b"%PDF-1.4 guide"


async def test_a_slow_answer_is_a_timeout(emu: BotAPIEmulator) -> None:
    emu.inject("sendMessage", delay=0.3, times=1)
    async with client(emu) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(USER, "slow", read_timeout=0.05)


async def test_an_unreachable_api_is_a_network_error_that_does_not_quote_the_url() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bot = Bot("123456:SECRET", base_url=f"http://127.0.0.1:{port}/bot", request=AiohttpRequest(1))
    async with bot.request:
        with pytest.raises(NetworkError) as raised:
            await bot.get_me()
    assert "SECRET" not in str(raised.value) and "aiohttp" in str(raised.value)


async def test_a_429_holds_every_later_call_until_retry_after(emu: BotAPIEmulator) -> None:
    gate = FloodGate()
    emu.inject("sendMessage", 429, retry_after=1, times=1)
    async with client(emu, gate) as bot:
        with pytest.raises(RetryAfter):
            await bot.send_message(USER, "refused")
        assert 0.5 < gate.remaining <= 1.0
        await asyncio.gather(*(bot.send_message(USER, f"later {i}") for i in range(4)))
    assert emu.early_calls == 0  # they waited for the gate, in the client: none came early
    assert sorted(m.text or "" for m in emu.messages(USER)) == [f"later {i}" for i in range(4)]


async def test_a_chat_at_its_own_limit_is_held_alone_and_holds_no_slot(
    emu: BotAPIEmulator,
) -> None:
    other = 1002
    emu.send_text(other, "/start")
    emu.limit_per_chat(calls=3, seconds=3.0)  # Telegram's "about one a second in a chat"
    gate = FloodGate()
    async with client(emu, gate, in_flight=1) as bot:
        for i in range(3):
            await bot.send_message(USER, f"quick {i}")
        with pytest.raises(RetryAfter):
            await bot.send_message(USER, "one too many")
        assert gate.remaining == 0 and gate.remaining_for(USER) > 1
        held = asyncio.create_task(bot.send_message(USER, "after the wait"))
        await asyncio.sleep(0.05)  # the held call asks first, for the only slot
        await bot.send_message(other, "not held")  # goes while USER's call still waits
        assert not held.done()
        await held
    assert emu.early_calls == 0
    assert [m.text for m in emu.messages(other)][-1] == "not held"
    assert [m.text for m in emu.messages(USER)][-1] == "after the wait"


async def test_a_429_for_no_chat_holds_every_call(emu: BotAPIEmulator) -> None:
    gate = FloodGate()
    emu.inject("answerCallbackQuery", 429, retry_after=1, times=1)
    async with client(emu, gate) as bot:
        with pytest.raises(RetryAfter):
            await bot.answer_callback_query("42")
    assert gate.remaining > 0.5 and gate.remaining_for(USER) > 0.5


async def test_no_more_than_in_flight_calls_at_once(emu: BotAPIEmulator) -> None:
    emu.inject("sendMessage", delay=0.05, times=100)
    emu.reset_counters()
    async with client(emu, in_flight=2) as bot:
        await asyncio.gather(*(bot.send_message(USER, f"m{i}") for i in range(8)))
    assert emu.peak_in_flight == 2
    assert len(emu.messages(USER)) == 8


async def test_a_proxy_from_the_environment_is_used_unless_no_proxy_names_the_host(
    emu: BotAPIEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        seen.append(head.split(b"\r\n")[0].decode())
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        await reader.readexactly(length)
        body = b'{"ok":true,"result":{"id":7,"is_bot":true,"first_name":"Via proxy"}}'
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(proxy, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
            monkeypatch.delenv(name, raising=False)
            monkeypatch.delenv(name.lower(), raising=False)
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
        async with client(emu) as bot:
            assert (await bot.get_me()).first_name == "Via proxy"
        assert seen and all(line.startswith(f"POST {emu.base_url}") for line in seen)
        through_proxy = len(seen)

        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        async with client(emu) as bot:
            assert (await bot.get_me()).first_name != "Via proxy"
        assert len(seen) == through_proxy


def test_a_bot_api_on_this_machine_is_reached_without_a_proxy() -> None:
    assert on_this_machine("http://127.0.0.1:8081/bot")
    assert on_this_machine("http://localhost:8081/bot") and on_this_machine("http://[::1]:81/b")
    assert not on_this_machine("https://api.telegram.org/bot")
    assert not on_this_machine("http://10.0.0.5:8081/bot")
