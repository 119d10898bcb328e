"""BotAPIEmulator: the Telegram Bot API over HTTP on 127.0.0.1, plus a Python API for tests.

Point python-telegram-bot at it with ``base_url=emu.base_url`` and
``base_file_url=emu.base_file_url``; drive simulated users and read back what the bot did
from the same event loop (or from another process through the HTTP control API in
``control.py``).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import random
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from bot.emulator import control
from bot.emulator.errors import ApiError
from bot.emulator.faults import ChatLimit, Fault, FaultInjector
from bot.emulator.http import BodyError, HttpServer, Request, Response, decode_body
from bot.emulator.methods import BotMethods
from bot.emulator.models import CallRecord, Json, StoredFile
from bot.emulator.params import UploadedFile
from bot.emulator.spec import ApiSpec
from bot.emulator.state import EmulatorState, utc_now
from bot.emulator.users import SimulatedUsers

logger = logging.getLogger(__name__)

_NOT_FOUND = Response.json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
_UNAUTHORIZED = Response.json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
# A path under this prefix answers with a redirect to itself, as a misconfigured proxy can:
# point a client's Bot API URL at http://host:port/_redirect_loop to see how it copes.
REDIRECT_LOOP = "/_redirect_loop"
_LONG_POLL = "getUpdates"
# Magic bytes so a downloaded placeholder file looks like its kind.
_PLACEHOLDER_HEADERS = {"voice": b"OggS", "photo": b"\xff\xd8\xff", "document": b"%PDF"}


class BotAPIEmulator(SimulatedUsers):
    """An in-memory Telegram Bot API server.

    ``clock`` is the emulator's "now" (message dates, the 48-hour deletion limit); replace it
    with any callable returning an aware UTC datetime to jump ahead.
    """

    def __init__(
        self,
        token: str = "123456:TEST",
        bot_username: str = "foyer_test_bot",
        spec_path: str | Path | None = None,
        *,
        bot_name: str = "Foyer Test",
        bot_id: int | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], datetime] | None = None,
        group_privacy: bool = True,
        accept_unknown_file_ids: bool = False,
        auto_chats: bool = False,
    ) -> None:
        self.token = token
        self.spec = ApiSpec.load(spec_path)
        identifier = bot_id if bot_id is not None else int(token.split(":", 1)[0])
        self.state = EmulatorState(
            identifier, bot_username, bot_name, clock or utc_now, group_privacy, auto_chats
        )
        self.methods = BotMethods(self.state, accept_unknown_file_ids)
        self.faults = FaultInjector()
        self._host = host
        self._http = HttpServer(self._handle, host, port)
        self._method_names = {name.lower(): name for name in self.spec.method_names()}

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> BotAPIEmulator:
        await self._http.start()
        logger.info("Bot API emulator listening on port %s", self.port)
        return self

    async def stop(self) -> None:
        self.state.webhook.stop()
        self.state.updates.close()
        await self._http.stop()

    async def __aenter__(self) -> BotAPIEmulator:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        return self._http.port

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self._host}:{self.port}/file/bot"

    @property
    def bot_id(self) -> int:
        return self.state.bot_id

    @property
    def bot_username(self) -> str:
        return self.state.bot_username

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.state.clock

    @clock.setter
    def clock(self, clock: Callable[[], datetime]) -> None:
        self.state.clock = clock

    # --- updates and the webhook ---------------------------------------------------------

    @property
    def last_update_id(self) -> int:
        """The id of the newest update a user's action made."""
        return self.state.updates.last_update_id

    def redeliver(self, update_id: int) -> None:
        """Deliver an update already delivered once more, before any other: Telegram's
        redelivery after a webhook's slow answer, or a dead poller's unconfirmed updates
        fetched again by the next poller."""
        self.state.updates.redeliver(update_id)
        self.state.notify()

    def delivered_update(self, update_id: int) -> Json:
        """An update as it was delivered to the bot (to post it elsewhere yourself)."""
        return self.state.updates.delivered(update_id)

    def webhook_info(self) -> Json:
        """getWebhookInfo's answer: url, pending_update_count, last_error_message..."""
        return self.state.webhook.info()

    # --- fault injection -----------------------------------------------------------------

    def inject(
        self,
        method: str | None = None,
        status: int | None = None,
        *,
        retry_after: int | None = None,
        description: str | None = None,
        delay: float = 0.0,
        times: int | None = None,
        probability: float = 1.0,
        chat_id: int | str | None = None,
        seed: int | None = None,
    ) -> Fault:
        """Make matching requests fail (``status``) and/or answer late (``delay`` seconds).

        ``method=None`` matches every method but getUpdates (name it to hit polling);
        ``times=None`` means until ``clear_faults()``. A 429 also starts a flood wait: calls
        that put something into a chat before ``retry_after`` expires get 429 too and are
        counted in ``early_calls``.
        """
        if status is None and delay <= 0:
            raise ValueError("inject needs a status, a delay or both")
        return self.faults.add(
            Fault(
                method=method,
                status=status,
                retry_after=retry_after,
                description=description,
                delay=delay,
                times=times,
                probability=probability,
                chat_id=chat_id,
                rng=random.Random(seed),
            )
        )

    def limit_per_chat(self, calls: int | None = 3, seconds: float = 3.0) -> ChatLimit | None:
        """Behave like Telegram's per-chat limit: a call that would be a chat's ``calls + 1``-th
        within ``seconds`` gets 429 with retry_after, and that chat (only) waits it out; calls
        sent to it before then are refused too and counted in ``early_calls``. ``calls=None``
        turns it off, as ``clear_faults()`` does."""
        self.faults.chat_limit = None if calls is None else ChatLimit(calls, seconds)
        return self.faults.chat_limit

    def clear_faults(self) -> None:
        """Remove every injected fault and the per-chat limit, and end any flood wait."""
        self.faults.clear()

    @property
    def early_calls(self) -> int:
        """Calls sent after the client had seen a 429 and before its retry_after expired.

        See ``faults.py`` for how calls a concurrent client had already sent are told apart.
        """
        return self.faults.early_calls

    @property
    def peak_in_flight(self) -> int:
        """The most Bot API calls answered at once (long polls aside) since reset_counters()."""
        return self.state.peak_in_flight

    def forget_files(self) -> None:
        """Every file_id given so far becomes unknown, as after a new token or files Telegram
        expired: sending one answers "wrong file identifier"."""
        self.state.files.clear()

    def reset_counters(self) -> None:
        """Forget the call log, the early-call count and the peak of calls in flight."""
        self.state.calls.clear()
        self.faults.early_calls = 0
        self.state.peak_in_flight = 0

    # --- HTTP dispatch -------------------------------------------------------------------

    async def _handle(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/bot"):
            token, _, method = path[4:].partition("/")
            if token != self.token:
                return _UNAUTHORIZED
            return await self._api_call(method, request)
        if path.startswith("/file/bot"):
            token, _, file_path = path[9:].partition("/")
            if token != self.token:
                return _UNAUTHORIZED
            return self._download(file_path)
        if path.startswith(control.PREFIX):
            return await control.handle(self, path[len(control.PREFIX) :], request)
        if path.startswith(REDIRECT_LOOP):
            target = path + (f"?{request.query}" if request.query else "")
            return Response(307, b"", content_type="text/plain", headers={"Location": target})
        return _NOT_FOUND

    async def _api_call(self, method: str, request: Request) -> Response:
        started = time.monotonic()
        canonical = self._method_names.get(method.lower())
        long_poll = canonical == _LONG_POLL
        record = CallRecord(method=canonical or method, params={}, time=started)
        self.state.calls.append(record)
        if not long_poll:
            self.state.in_flight += 1
            self.state.peak_in_flight = max(self.state.peak_in_flight, self.state.in_flight)
            self.state.last_activity = started
        try:
            try:
                params, files = decode_body(request)
            except (BodyError, UnicodeDecodeError):
                raise ApiError(400, "Bad Request: can't parse request body") from None
            record.params = params
            record.uploads = len(files)
            if canonical is None:
                raise ApiError(404, "Not Found")
            result = await self._run(canonical, params, files, record, request.connection)
            response = Response.json(200, {"ok": True, "result": result})
        except ApiError as error:
            record.status = error.status
            record.description = error.description
            response = Response.json(error.status, error.payload())
        except Exception:  # an emulator bug must not look like a dropped connection
            logger.exception("emulator failed on %s", record.method)
            record.status, record.description = 500, "Internal Server Error"
            response = Response.json(500, ApiError(500, "Internal Server Error").payload())
        finally:
            if not long_poll:
                self.state.in_flight -= 1
                self.state.last_activity = time.monotonic()
        record.duration = time.monotonic() - started
        if record.status != 200:
            logger.debug("%s -> %s", record.method, record.status)
        self.state.notify()
        return response

    async def _run(
        self,
        method: str,
        params: dict[str, Any],
        files: dict[str, UploadedFile],
        record: CallRecord,
        connection: int,
    ) -> Any:
        chat_id = params.get("chat_id")
        flood = self.faults.check_flood_wait(method, chat_id, connection)
        if flood is None:
            flood = self.faults.check_chat_limit(method, chat_id, connection)
        if flood is not None:
            raise flood
        fault = self.faults.match(method, chat_id)
        if fault is not None:
            if fault.delay > 0:
                await asyncio.sleep(fault.delay)
            error = fault.error()
            if error is not None:
                if error.retry_after is not None:
                    self.faults.start_flood_wait(fault, error.retry_after, connection)
                raise error
        validated = self.spec.validate(method, params, files)
        record.params = validated.params
        handler = self.methods.handlers.get(method)
        if handler is None:
            return True  # validated but not modelled: Telegram's usual "true"
        result = handler(validated)
        if inspect.isawaitable(result):
            result = await result
        return result

    def _download(self, file_path: str) -> Response:
        stored = next((f for f in self.state.files.values() if f.file_path == file_path), None)
        if stored is None:
            return _NOT_FOUND
        return Response(
            200, _file_bytes(stored), content_type=stored.mime_type or "application/octet-stream"
        )


def _file_bytes(stored: StoredFile) -> bytes:
    if stored.data is not None:
        return stored.data
    header = _PLACEHOLDER_HEADERS.get(stored.kind, b"")
    return header + bytes(max(stored.file_size - len(header), 0))
