"""Delivering updates to the bot's webhook, as Telegram does once setWebhook named a URL.

One update at a time, in order: a POST of its JSON with ``X-Telegram-Bot-Api-Secret-Token``
(setWebhook's ``secret_token``), confirmed by a 2xx answer. Any other answer, a refused
connection or no answer within ``timeout`` is kept as getWebhookInfo's last error, and the same
update is posted again after a short backoff (Telegram waits longer; tests should not).
A small HTTP/1.1 client on asyncio streams: the emulator needs nothing beyond the standard
library. An https:// URL is reached through TLS as Telegram does, trusting the system's
certificates (SSL_CERT_FILE names others: a rehearsal behind a reverse proxy with its own
local authority) or the ``tls`` context a test gives; tests post to http://127.0.0.1 mostly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

from bot.emulator.models import Json
from bot.emulator.updates import UpdateQueue

logger = logging.getLogger(__name__)

FIRST_RETRY = 0.05
MAX_RETRY = 1.0
TIMEOUT = 10.0


class WebhookError(Exception):
    """The webhook did not take the update; the message is getWebhookInfo's."""


class WebhookDelivery:
    def __init__(
        self, updates: UpdateQueue, clock: Callable[[], datetime], notify: Callable[[], None]
    ) -> None:
        self._updates = updates
        self._clock = clock
        self._notify = notify  # after each attempt, for the emulator's waiting helpers
        self.url = ""
        self.secret: str | None = None
        self.allowed: list[str] | None = None
        self.timeout = TIMEOUT
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.posts = 0  # every POST made, answered or not
        self.tls: ssl.SSLContext | None = None  # for https:// URLs; None: the system's trust
        self._task: asyncio.Task[None] | None = None

    def set(self, url: str, secret: str | None, allowed: list[str] | None) -> None:
        """setWebhook: deliver to ``url`` from now on (to nothing when empty: deleteWebhook)."""
        self.url, self.secret, self.allowed = url, secret, allowed
        if not url:
            self.stop()
        elif self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._deliver(), name="webhook")

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def info(self) -> Json:
        out: Json = {"url": self.url, "pending_update_count": self._updates.pending_count}
        if self.allowed:
            out["allowed_updates"] = list(self.allowed)
        if self.last_error_date is not None:
            out["last_error_date"] = self.last_error_date
            out["last_error_message"] = self.last_error_message
        return out

    async def _deliver(self) -> None:
        delay = FIRST_RETRY
        while True:
            update = await self._updates.next_update(self.allowed)
            try:
                await asyncio.wait_for(self._post(update), self.timeout)
            except (WebhookError, OSError, TimeoutError) as exc:
                message = str(exc) if isinstance(exc, WebhookError) else _describe(exc)
                self.last_error_date = int(self._clock().timestamp())
                self.last_error_message = message
                logger.debug("webhook delivery of %s failed: %s", update["update_id"], message)
                self._notify()
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_RETRY)
                continue
            delay = FIRST_RETRY
            self._updates.confirm_next(update)
            self._notify()

    async def _post(self, update: Json) -> None:
        self.posts += 1
        status = await post_json(self.url, update, self.secret, self.tls)
        if not 200 <= status < 300:
            raise WebhookError(f"Wrong response from the webhook: {status}")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "Read timeout expired"
    if isinstance(exc, ssl.SSLError):  # Telegram's words for a certificate it cannot trust
        return f"SSL error ({type(exc).__name__})"
    return f"Connection refused ({type(exc).__name__})"


async def post_json(
    url: str, payload: Json, secret: str | None = None, tls: ssl.SSLContext | None = None
) -> int:
    """POST ``payload`` as JSON to an http:// or https:// URL; the answer's status."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError("the webhook URL must be http:// or https://")
    secure = parts.scheme == "https"
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    head = [
        f"POST {path} HTTP/1.1",
        f"Host: {parts.netloc}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        "Connection: close",
    ]
    if secret:
        head.append(f"X-Telegram-Bot-Api-Secret-Token: {secret}")
    reader, writer = await asyncio.open_connection(
        parts.hostname,
        parts.port or (443 if secure else 80),
        ssl=(tls or ssl.create_default_context()) if secure else None,
    )
    try:
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        await writer.drain()
        status_line = await reader.readline()
        await reader.read()  # the rest of the answer, until the server closes
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    try:
        return int(status_line.split()[1])
    except (IndexError, ValueError):
        raise WebhookError("Wrong response from the webhook: no HTTP status") from None
