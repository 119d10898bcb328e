"""Foyer's HTTP client under python-telegram-bot: aiohttp, with the flood gate built in.

PTB's default client (httpx over httpcore, in pure Python) cost an echo bot 2.3-2.6 ms of CPU
for a button press (answerCallbackQuery, editMessageText); over aiohttp, whose parser and URLs
are compiled, the same bot spent 0.9-1.3 ms (docs/performance.md, sixth round). PTB allows any
``BaseRequest``; this one keeps PTB's mapping of answers to errors (RetryAfter, Forbidden...).

The gate (bot/infra/flood_gate.py) is honoured after a request has its connection and
before its first byte goes out (aiohttp's connection trace signals, which it awaits), and it
closes as soon as a 429's status line is read, before the connection can serve anyone else:
for every call, or only for the calls to that chat (FloodGate.scope_of_429 decides). At most
``in_flight`` calls run at once; the others wait here, in order, with no clock running. A call
to a held chat waits for its gate before it takes one of those places, so one chat's flood wait
never slows the calls to other chats.
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
import time
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

from bot.infra.flood_gate import MIN_WAIT, FloodGate, retry_after

_TIMEOUT = 5.0  # PTB's default for connect, read and write
_FORM = {"Content-Type": "application/x-www-form-urlencoded"}
Proxy = tuple[URL | None, aiohttp.BasicAuth | None]


def _seconds(value: Any, default: float | None) -> float | None:
    # PTB marks "not given" with a DefaultValue, the type of BaseRequest.DEFAULT_NONE.
    return default if isinstance(value, type(BaseRequest.DEFAULT_NONE)) else value


class AiohttpRequest(BaseRequest):
    def __init__(
        self,
        in_flight: int,
        gate: FloodGate | None = None,
        read_timeout: float = _TIMEOUT,
        env_proxies: bool = True,
    ) -> None:
        self._in_flight = in_flight
        self._env_proxies = env_proxies
        self._gate = gate
        self._read_timeout = read_timeout
        self._slots = asyncio.Semaphore(in_flight)
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, Proxy] = {}  # per scheme://host:port
        # time.monotonic() of the last 2xx answer: the running app notes it for `foyer status`
        # (bot/services/vitals.py), as infra knows no database.
        self.last_ok: float | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is not None:
            return
        traces = []
        if self._gate is not None:
            gate = self._gate

            async def before_first_byte(_session: Any, ctx: Any, _params: Any) -> None:
                # The request's chat rides in trace_request_ctx (None: a call for no chat).
                await gate.wait(chat_id=ctx.trace_request_ctx)

            trace = aiohttp.TraceConfig()
            trace.on_connection_create_end.append(before_first_byte)
            trace.on_connection_reuseconn.append(before_first_byte)
            traces.append(trace)
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self._in_flight, ssl=_tls()),
            # The Bot API sets no cookies, and a bot has no business keeping any.
            cookie_jar=aiohttp.DummyCookieJar(),
            # Proxies from the environment are looked up once per host (_proxy), not by
            # aiohttp's trust_env, which reads them and ~/.netrc in a thread for every call.
            trust_env=False,
            trace_configs=traces,
            headers={"User-Agent": self.USER_AGENT},
        )

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else None
        data: Any = None
        headers = None
        if files:
            form = aiohttp.FormData(fields or {})
            for name, (filename, content, mime) in files.items():
                form.add_field(name, content, filename=filename, content_type=mime)
            data = form
        elif fields:
            # Encoded here, as httpx does: aiohttp's FormData sets up a multipart writer (and
            # draws a random boundary) for every call, even one it then sends urlencoded.
            data, headers = urlencode(fields).encode(), _FORM
        # The chat this call writes to, if any ("42" or "@channel", as encoded for the wire).
        chat = fields.get("chat_id") if fields else None
        proxy, proxy_auth = self._proxy(url)
        # aiohttp has no write timeout: a slow upload is bounded by the read timeout after it.
        # connect=None: the wait for the flood gate happens inside aiohttp's connect step.
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None,
            sock_connect=_seconds(connect_timeout, _TIMEOUT),
            sock_read=_seconds(read_timeout, self._read_timeout),
        )
        gate = self._gate
        if gate is not None:
            # Outside the slots: a call held by its chat's gate (or everyone's) holds no place
            # another chat's call could use. The trace waits again in case a 429 came since.
            await gate.wait(chat_id=chat)
        async with self._slots:
            try:
                async with self._session.request(
                    method,
                    url,
                    data=data,
                    headers=headers,
                    timeout=timeout,
                    proxy=proxy,
                    proxy_auth=proxy_auth,
                    trace_request_ctx=chat,
                ) as res:
                    if res.status == 429 and gate is not None:
                        scope = gate.scope_of_429(chat)
                        # At once: the body is still on its way.
                        gate.close_for(MIN_WAIT, chat_id=scope)
                        body = await res.read()
                        gate.close_for(retry_after(body), chat_id=scope)
                        return res.status, body
                    if res.status == 200 and chat is not None and gate is not None:
                        gate.note_accepted(chat, new_message=_posts(url))
                    body = await res.read()
                    if 200 <= res.status < 300:
                        self.last_ok = time.monotonic()
                    return res.status, body
            except TimeoutError as err:
                raise TimedOut from err
            except aiohttp.ClientError as err:
                # The type only: some aiohttp errors quote the URL, and the URL holds the token.
                raise NetworkError(f"aiohttp.{type(err).__name__}") from err

    def _proxy(self, url: str) -> Proxy:
        """HTTP(S)_PROXY, ALL_PROXY and NO_PROXY, as PTB's default client honours them."""
        if not self._env_proxies:
            return (None, None)
        origin = url[: url.find("/", url.find("//") + 2)]
        found = self._proxies.get(origin)
        if found is None:
            try:
                found = get_env_proxy_for_url(URL(origin))
            except LookupError:
                found = (None, None)
            self._proxies[origin] = found
        return found


def bot_api_requests(
    base_url: str, in_flight: int, gate: FloodGate
) -> tuple[AiohttpRequest, AiohttpRequest]:
    """The calls' client and getUpdates' own. A Bot API on this machine (the sandbox's
    emulator, a local telegram-bot-api server) is reached directly, whatever proxy the
    environment names: a trainer's laptop behind a company proxy runs the sandbox too."""
    proxies = not on_this_machine(base_url)
    return (
        AiohttpRequest(in_flight, gate, env_proxies=proxies),
        AiohttpRequest(1, env_proxies=proxies),
    )


def on_this_machine(url: str) -> bool:
    host = URL(url).host or ""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _posts(url: str) -> bool:
    """Whether the method puts a new message into the chat (sendMessage, copyMessage...)."""
    return url.rpartition("/")[2].startswith(("send", "copy", "forward"))


def _tls() -> ssl.SSLContext:
    # The same trust store as PTB's default client (certifi), whatever the system has.
    import certifi

    return ssl.create_default_context(cafile=certifi.where())
