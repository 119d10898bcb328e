"""Webhook mode: python-telegram-bot's webhook server (tornado), with GET /healthz beside it.

Telegram POSTs each update to FOYER_WEBHOOK_URL; a reverse proxy passes it on to
FOYER_WEBHOOK_LISTEN, where PTB's server checks the ``X-Telegram-Bot-Api-Secret-Token`` header
(403 without the right one, before anything is read) and queues the update. Every worker on a
shared database serves webhooks: there is no poller to elect, and each one's setWebhook names
the same URL. The same server answers ``GET /healthz`` for a monitor or load balancer, with no
secret (the answer holds no personal data).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import tornado.netutil
import tornado.web
from telegram import Bot
from telegram.error import BadRequest

from bot.infra.leader import ElectedUpdater
from bot.settings import Settings, host_port

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
# Answers the health check: (HTTP status, JSON body).
Probe = Callable[[], Awaitable[tuple[int, str]]]


class WebhookStartError(Exception):
    """Webhook mode cannot start: one line for `foyer run` (the listen address is taken, or
    Telegram refuses the URL)."""


def webhook_params(settings: Settings, allowed_updates: list[str]) -> dict[str, Any]:
    """What `Updater.start_webhook` (and so `Application.run_webhook`) is given."""
    assert settings.webhook_url is not None
    host, port = host_port(settings.webhook_listen)
    return {
        "listen": host,
        "port": port,
        "url_path": urlsplit(settings.webhook_url).path,
        "webhook_url": settings.webhook_url,
        "secret_token": settings.webhook_secret,
        "allowed_updates": allowed_updates,
        "bootstrap_retries": -1,
    }


def check_listen(settings: Settings) -> None:
    """Bind the listen address and let go, the way tornado will bind it, so that an address
    in use (or a host not on this machine) is one line before Telegram is told to post here."""
    host, port = host_port(settings.webhook_listen)
    if urlsplit(settings.webhook_url or "").path.rstrip("/") == HEALTH_PATH:
        raise WebhookStartError(f"FOYER_WEBHOOK_URL's path cannot be {HEALTH_PATH}")
    try:
        sockets = tornado.netutil.bind_sockets(port, address=host)
    except OSError as exc:
        raise WebhookStartError(listen_failed(settings, exc)) from None
    for sock in sockets:
        sock.close()


def listen_failed(settings: Settings, exc: OSError) -> str:
    return f"cannot listen for webhooks on {settings.webhook_listen} ({exc.strerror or exc})"


async def set_webhook(bot: Bot, settings: Settings, allowed_updates: list[str]) -> None:
    """Tell Telegram where to post, once, before PTB's start does it again: PTB retries a
    refusal for ever without a word (bootstrap_retries=-1), so a URL Telegram refuses is one
    line here. A network error goes up as it is, to be waited out (bot/infra/reach.py)."""
    try:
        await bot.set_webhook(
            url=settings.webhook_url or "",
            secret_token=settings.webhook_secret,
            allowed_updates=allowed_updates,
        )
    except BadRequest as exc:  # a NetworkError too, which reach.py would retry for ever
        raise WebhookStartError(
            f"Telegram refused FOYER_WEBHOOK_URL {settings.webhook_url} ({exc.message})"
        ) from None


class _HealthHandler(tornado.web.RequestHandler):
    def initialize(self, probe: Probe) -> None:
        self._probe = probe

    async def get(self) -> None:
        status, body = await self._probe()
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(body)


class ServingUpdater(ElectedUpdater):
    """PTB's Updater as Foyer runs it: polling while elected (leader.py), or serving webhooks
    with /healthz when ``health`` is given."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.health: Probe | None = None

    async def start_webhook(self, *args: Any, **kwargs: Any) -> Any:
        queue = await super().start_webhook(*args, **kwargs)
        if self.health is not None:
            self._add_route(self.health)
        log.info("webhook.listening port=%s", kwargs.get("port"))
        return queue

    def _add_route(self, probe: Probe) -> None:
        # PTB makes its tornado Application inside start_webhook and offers no way to add a
        # route. tornado's own, public Application.add_handlers does, on the application PTB
        # serves: reached through PTB's WebhookServer (stable since PTB 20; pinned < 23). If a
        # PTB release moves it, this says so at start rather than serving without /healthz.
        server = getattr(getattr(self, "_httpd", None), "_http_server", None)
        webapp = getattr(server, "request_callback", None)
        if not isinstance(webapp, tornado.web.Application):
            raise WebhookStartError(
                "this python-telegram-bot's webhook server has no place for /healthz "
                "(Foyer needs python-telegram-bot 22)"
            )
        webapp.add_handlers(r".*", [(HEALTH_PATH, _HealthHandler, {"probe": probe})])
