"""The one factory for the Telegram Application, shared by `foyer run`, the sandbox and tests."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import DBAPIError
from telegram import Update
from telegram.error import Conflict
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ContextTypes,
    TypeHandler,
)

from bot import i18n
from bot.delivery import kinds, planner, retention
from bot.delivery.render import Registration, renderer_table
from bot.delivery.sender import Sender
from bot.domain.curricula import Curricula
from bot.handlers import (
    checkin,  # noqa: F401  (answers buttons only: importing it registers them)
    concern,
    data_rights,
    join,
    member,
    partner,
    partner_staff,
    routing,
    safety,
    settings_menu,
)
from bot.handlers.common import on_error
from bot.handlers.person import load_person
from bot.handlers.rate_limit import PersonRateLimit
from bot.infra import reach
from bot.infra.clock import Clock, SystemClock
from bot.infra.http_client import AiohttpRequest, bot_api_requests
from bot.infra.leader import ElectedUpdater
from bot.infra.update_order import PerChatUpdateProcessor
from bot.infra.webhook_server import (
    ServingUpdater,
    WebhookStartError,
    check_listen,
    listen_failed,
    set_webhook,
    webhook_params,
)
from bot.runtime import RUNTIME_KEY, Runtime, runtime_of
from bot.services import health, privacy, vitals
from bot.settings import Settings, host_port
from bot.storage import advisory, handled_updates
from bot.storage.db import make_engine

log = logging.getLogger(__name__)

FoyerApp = Application
_SENDER_TASK = "foyer.sender_task"
_SENDER = "foyer.sender"
_REQUESTS = "foyer.http_requests"
_RENDERERS = "foyer.renderers"
_MENUS_TASK = "foyer.menus_task"
_VITALS = "foyer.vitals"
_STOP_GRACE_SECONDS = 30
_CONFLICT = "foyer.polling_conflict"
# The first planner tick after start: soon, yet after a second poller's Conflict would show.
FIRST_TICK_SECONDS = 2.0
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
PRUNE_EVERY_SECONDS = 3600  # the update ids handled over a day ago (handled_updates.py)


class PollingConflict(Exception):
    """Telegram answered getUpdates with 409 Conflict: another program takes this bot's
    updates (another `foyer run` with the same token, or a webhook)."""


def build_application(
    settings: Settings,
    *,
    clock: Clock | None = None,
    curricula: Curricula | None = None,
    renderers: Iterable[Registration] = kinds.REGISTERED,
) -> FoyerApp:
    """``renderers``: what bot/delivery/kinds registered; each outbox kind must have exactly
    one, or this raises RenderersIncomplete (one line) before anything starts."""
    table = renderer_table(renderers)
    i18n.configure(settings.language_fallbacks)
    rt = Runtime(
        settings=settings,
        engine=make_engine(settings.database_url),
        clock=clock or SystemClock(),
        curricula=curricula or Curricula(settings.content_dir),
    )
    requests = bot_api_requests(settings.bot_api_base_url, settings.http_concurrency, rt.flood)
    builder = (
        ApplicationBuilder()
        .token(settings.token_or_raise())
        .base_url(settings.bot_api_base_url)
        .base_file_url(settings.bot_api_file_url)
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .concurrent_updates(
            PerChatUpdateProcessor(
                admit=_rate_limit(settings).admit,
                first_time=handled_updates.FirstSight(rt.engine, rt.clock).first_time,
            )
        )
        # Every call but getUpdates waits out a 429, and only so many run at once.
        .request(requests[0])
        # Long polling: PTB passes the poll's own read timeout with each getUpdates.
        .get_updates_request(requests[1])
    )
    if settings.rate_limit:
        # RetryAfter is handled by the sender (it pauses everyone), so no retries in here.
        builder = builder.rate_limiter(AIORateLimiter(max_retries=0))  # type: ignore[arg-type]
    app = builder.build()
    # PTB's Updater, able to poll only while it holds the poller's lock (serve: PostgreSQL),
    # or to serve webhooks with /healthz beside them.
    updater = ServingUpdater(bot=app.bot, update_queue=app.update_queue)
    updater.health = lambda: _health(rt)
    app.updater = updater
    app.bot_data[RUNTIME_KEY] = rt
    app.bot_data[_REQUESTS] = requests
    app.bot_data[_RENDERERS] = table
    _register_handlers(app)
    return app


def _rate_limit(settings: Settings) -> PersonRateLimit:
    return PersonRateLimit(
        per_minute=settings.updates_per_minute,
        safe_word=settings.safe_word,
        default_language=settings.default_language,
    )


def _register_handlers(app: FoyerApp) -> None:
    # Group -11 counts the update for the metrics (it answers nothing and lets it go on).
    # Group -10 then: who is this, and which language do we answer in.
    # Groups -9..-1 are for cross-cutting interceptors (help and the safe word win over dialogues).
    app.add_handler(TypeHandler(Update, _count_update), group=-11)  # the metrics' count
    app.add_handler(TypeHandler(Update, load_person), group=-10)
    safety.register(app)  # groups -6 and -5: help, safe word and distress words win
    concern.register(app)  # group -4: the one free-text step, before any dialogue
    settings_menu.register(app)
    data_rights.register(app)
    join.register(app)
    member.register(app)
    partner.register(app)
    partner_staff.register(app)
    _register_facilitators(app)
    routing.register(app)  # every button family; what is not one gets the stale answer
    member.register_fallbacks(app)
    app.add_error_handler(on_error)


async def _count_update(_update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    runtime_of(context.application).metrics.updates.inc()


def _register_facilitators(app: FoyerApp) -> None:
    from bot.handlers import staff

    staff.register(app)


async def _set_command_menus(app: FoyerApp) -> None:
    """The members' menu now; each staff member's own menu in the background, one call each."""
    from bot.handlers import staff_menus

    async def refresh_once() -> None:
        rt = runtime_of(app)
        async with advisory.once(rt.engine, advisory.Lock.STAFF_MENUS) as mine:
            if mine:  # else another worker, starting too, is setting them
                await staff_menus.refresh_all(app.bot, rt)

    await staff_menus.set_default_menus(app.bot)
    app.bot_data[_MENUS_TASK] = asyncio.create_task(refresh_once(), name="staff-menus")


async def _planner_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    if context.application.bot_data.get(_CONFLICT):
        return  # another program polls this token: this process is stopping, plan nothing
    rt = runtime_of(context.application)
    # Idempotent through its unique keys, but two at once would do the work twice and race
    # on the groups' cursors: a worker that finds another planning skips this tick.
    try:
        async with advisory.once(rt.engine, advisory.Lock.PLANNER) as mine:
            if mine:
                started = time.perf_counter()
                await planner.tick(rt)
                await vitals_of(context.application).planner_ticked(time.perf_counter() - started)
    except (DBAPIError, OSError) as exc:  # the database away: the next tick plans it all
        log.warning("planner.tick_failed error=%s", type(exc).__name__)


async def _vitals_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await vitals_of(context.application).run()


def vitals_of(app: FoyerApp) -> vitals.Vitals:
    """The running app's marks job (tests run a round at once rather than wait for it)."""
    found = app.bot_data[_VITALS]
    assert isinstance(found, vitals.Vitals)
    return found


async def _health(rt: Runtime) -> tuple[int, str]:
    """GET /healthz: what `foyer status` says (bot/services/health.py)."""
    h = await health.check(rt.engine, rt.settings, rt.clock.now())
    return h.http_status, json.dumps(h.as_json())


async def _prune_handled_updates(context: ContextTypes.DEFAULT_TYPE) -> None:
    rt = runtime_of(context.application)
    try:
        async with advisory.once(rt.engine, advisory.Lock.HANDLED_UPDATES) as mine:
            if mine:
                await handled_updates.prune(rt.engine, rt.clock.now())
    except (DBAPIError, OSError) as exc:  # the next run prunes it all
        log.warning("handled_updates.prune_failed error=%s", type(exc).__name__)


async def _post_init(app: FoyerApp) -> None:
    rt = runtime_of(app)
    if rt.settings.metrics_listen:  # first: a port in use stops the start (MetricsUnavailable)
        rt.metrics.serve(*host_port(rt.settings.metrics_listen))
    await _set_command_menus(app)
    assert app.job_queue is not None
    app.bot_data[_VITALS] = vitals.Vitals(rt, app.bot, app.bot_data[_REQUESTS])
    app.job_queue.run_repeating(_vitals_job, interval=vitals.MARK_SECONDS, first=1, name="vitals")
    app.job_queue.run_repeating(
        _planner_job,
        interval=rt.settings.tick_seconds,
        name="planner",
        # APScheduler fixes a job's first run when the scheduler starts (app.start(), after
        # this and after deleteWebhook), and "first=0" then means one interval later: due work
        # would wait a whole tick after every start. The first run is named here instead,
        # allowed however late the start makes it, and a moment after polling begins: a second
        # Foyer on this token hears Telegram's 409 Conflict by then and plans nothing.
        job_kwargs={
            "next_run_time": datetime.now(UTC) + timedelta(seconds=FIRST_TICK_SECONDS),
            "misfire_grace_time": None,
        },
    )
    retention.schedule(app, erase=privacy.auto_erase, retain=privacy.retention)
    app.job_queue.run_repeating(
        _prune_handled_updates, interval=PRUNE_EVERY_SECONDS, first=600, name="handled_updates"
    )
    sender = Sender(rt, app.bot, app.bot_data[_RENDERERS])
    app.bot_data[_SENDER] = sender
    app.bot_data[_SENDER_TASK] = asyncio.create_task(sender.run(), name="sender")
    log.info("app.started")


async def _post_stop(app: FoyerApp) -> None:
    menus: asyncio.Task[None] | None = app.bot_data.pop(_MENUS_TASK, None)
    if menus is not None and not menus.done():
        menus.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await menus
    sender: Sender | None = app.bot_data.pop(_SENDER, None)
    task: asyncio.Task[None] | None = app.bot_data.pop(_SENDER_TASK, None)
    if sender is None or task is None:
        return
    sender.stop()
    try:
        await asyncio.wait_for(task, _STOP_GRACE_SECONDS)
    except TimeoutError:
        log.warning("app.sender_stop_timeout")


async def _post_shutdown(app: FoyerApp) -> None:
    rt = runtime_of(app)
    await _post_stop(app)  # PTB calls post_stop only after a start: a failed one stops here
    rt.metrics.stop()
    await rt.seen.flush()
    await rt.engine.dispose()


def serve(app: FoyerApp, say: Callable[[str], None]) -> None:
    """`foyer run`: poll Telegram, or serve its webhooks (FOYER_WEBHOOK_URL), until stopped
    (Ctrl-C, SIGTERM).

    First the Bot API is reached (getMe), however long the network takes to come back
    (bot/infra/reach.py: ``say`` gets one line per failed attempt); a refused token raises
    InvalidToken with nothing logged.

    Telegram gives each update to one poller only, so while another program polls with the
    same token, each of the two gets part of the updates and a stream of 409 Conflicts.
    Rather than retry forever, this process stops and raises PollingConflict.

    On PostgreSQL, several `foyer run` may share the database: only the one holding the
    poller's lock polls (bot/infra/leader.py), and every one sends and runs the jobs.

    Webhook mode: no poller, every worker serves (bot/infra/webhook_server.py). A listen
    address in use or a URL Telegram refuses raises WebhookStartError (one line).
    """
    settings = runtime_of(app).settings
    if settings.webhook_url:
        _serve_webhooks(app, say, settings)
        return
    conflicts: list[Conflict] = []
    updater = elect_poller(app)

    async def stop_on_conflict(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update is None and isinstance(context.error, Conflict) and not conflicts:
            if await updater.handover_conflict():
                log.info("polling.handover_conflict")
                return
            conflicts.append(context.error)
            context.application.bot_data[_CONFLICT] = True
            log.error("polling.conflict")
            context.application.stop_running()

    app.add_error_handler(stop_on_conflict)
    loop = reach.event_loop()
    try:
        if reach.reached(loop, app.initialize, settings.bot_api_url, say):
            # Initialized already, so PTB's own first attempt cannot fail and log a traceback;
            # deleteWebhook, its one other call before polling, retries quietly.
            app.run_polling(allowed_updates=ALLOWED_UPDATES, close_loop=False, bootstrap_retries=-1)
    finally:
        _close(app, loop)
    if conflicts:
        raise PollingConflict(conflicts[0].message)


def _serve_webhooks(app: FoyerApp, say: Callable[[str], None], settings: Settings) -> None:
    check_listen(settings)  # before Telegram is told to post here

    async def connect() -> None:
        await app.initialize()
        await set_webhook(app.bot, settings, ALLOWED_UPDATES)

    loop = reach.event_loop()
    try:
        if reach.reached(loop, connect, settings.bot_api_url, say):
            app.run_webhook(close_loop=False, **webhook_params(settings, ALLOWED_UPDATES))
    except OSError as exc:  # taken since check_listen: PTB has shut the application down
        raise WebhookStartError(listen_failed(settings, exc)) from None
    finally:
        _close(app, loop)


def _close(app: FoyerApp, loop: asyncio.AbstractEventLoop) -> None:
    # After a failed start (a refused token, Ctrl-C while waiting for the network) PTB's
    # shutdown has nothing to do and leaves the HTTP sessions open; closed here, they end
    # quietly.
    requests: tuple[AiohttpRequest, ...] = app.bot_data.get(_REQUESTS, ())
    loop.run_until_complete(asyncio.gather(*(r.shutdown() for r in requests)))
    loop.close()


def elect_poller(app: FoyerApp) -> ElectedUpdater:
    """On PostgreSQL, several workers may share the database: this one will poll only while
    it holds the poller's lock (`foyer run`; a bench worker). SQLite: it polls, as before."""
    updater = app.updater
    assert isinstance(updater, ElectedUpdater)
    rt = runtime_of(app)
    if rt.engine.dialect.name == "postgresql":
        updater.elect(advisory.PollerLock(rt.settings.database_url))
    return updater


@contextlib.asynccontextmanager
async def running(app: FoyerApp, *, poll_timeout: int = 10) -> AsyncIterator[FoyerApp]:
    """Run the application inside an existing event loop (tests, sandbox); it serves
    webhooks when its settings name a webhook URL."""
    await app.initialize()
    try:
        assert app.post_init is not None and app.updater is not None
        await app.post_init(app)
        await app.start()
        settings = runtime_of(app).settings
        if settings.webhook_url:
            await app.updater.start_webhook(**webhook_params(settings, ALLOWED_UPDATES))
        else:
            await app.updater.start_polling(
                poll_interval=0, timeout=poll_timeout, drop_pending_updates=False
            )
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
            await _post_stop(app)
    finally:
        await app.shutdown()
        await _post_shutdown(app)
