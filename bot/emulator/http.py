"""A small HTTP/1.1 server on asyncio streams: keep-alive, Content-Length or chunked bodies.

Only what a Bot API client needs: one request at a time per connection, bodies in JSON,
``application/x-www-form-urlencoded`` or ``multipart/form-data`` (file uploads).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from bot.emulator.params import UploadedFile

logger = logging.getLogger(__name__)

_MAX_HEAD = 64 * 1024
_REASONS = {
    200: "OK",
    307: "Temporary Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    413: "Payload Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class BodyError(ValueError):
    """The request body cannot be decoded."""


@dataclass(slots=True)
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    connection: int = 0  # which keep-alive connection carried it


@dataclass(slots=True)
class Response:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: Any) -> Response:
        return cls(status, json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())


Handler = Callable[[Request], Awaitable[Response]]


class HttpServer:
    """Serves ``handler`` on host:port (port 0 picks a free one, see ``port`` after start)."""

    def __init__(self, handler: Handler, host: str = "127.0.0.1", port: int = 0) -> None:
        self._handler = handler
        self._host = host
        self._requested_port = port
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._connection_ids = itertools.count(1)
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._serve, self._host, self._requested_port, limit=_MAX_HEAD
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        # Open keep-alive connections and pending long polls would outlive the server.
        for task in list(self._connections):
            task.cancel()
        for task in list(self._connections):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self._server.wait_closed()
        self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        connection = next(self._connection_ids)
        try:
            while True:
                request = await _read_request(reader, writer)
                if request is None:
                    break
                request.connection = connection
                response = await self._handler(request)
                keep_alive = request.headers.get("connection", "").lower() != "close"
                writer.write(_encode(response, keep_alive))
                await writer.drain()
                if not keep_alive:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            pass  # stop() ends the connection; returning quietly avoids asyncio's error log
        except BodyError as error:
            logger.debug("malformed request: %s", type(error).__name__)
            with contextlib.suppress(ConnectionError):
                writer.write(
                    _encode(
                        Response.json(
                            400, {"ok": False, "error_code": 400, "description": "Bad Request"}
                        ),
                        False,
                    )
                )
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


async def _read_request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        if error.partial.strip():
            raise
        return None  # the client closed an idle keep-alive connection
    lines = head[:-4].decode("latin-1").split("\r\n")
    try:
        method, target, _version = lines[0].split(" ", 2)
    except ValueError:
        raise BodyError("bad request line") from None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("expect", "").lower() == "100-continue":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = await _read_chunked(reader)
    else:
        body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
    path, _, query = target.partition("?")
    return Request(method.upper(), unquote(path), query, headers, body)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks: list[bytes] = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            await reader.readuntil(b"\r\n")  # the empty trailer section
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)


def _encode(response: Response, keep_alive: bool) -> bytes:
    reason = _REASONS.get(response.status, "Unknown")
    extra = "".join(f"{name}: {value}\r\n" for name, value in response.headers.items())
    head = (
        f"HTTP/1.1 {response.status} {reason}\r\n"
        f"Content-Type: {response.content_type}\r\n"
        f"Content-Length: {len(response.body)}\r\n"
        f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n{extra}\r\n"
    )
    return head.encode("latin-1") + response.body


def decode_body(request: Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Parameters (query string and body) and uploaded files of a request."""
    params: dict[str, Any] = dict(parse_qsl(request.query, keep_blank_values=True))
    files: dict[str, UploadedFile] = {}
    if not request.body:
        return params, files
    content_type = request.headers.get("content-type", "")
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/json":
        try:
            decoded = json.loads(request.body)
        except ValueError:
            raise BodyError("invalid JSON") from None
        if not isinstance(decoded, dict):
            raise BodyError("JSON body must be an object")
        params.update(decoded)
    elif kind == "multipart/form-data":
        _decode_multipart(request.body, content_type, params, files)
    else:  # Telegram treats anything else as a urlencoded form
        params.update(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
    return params, files


def _header_parameters(value: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in value.split(";")[1:]:
        name, _, raw = part.strip().partition("=")
        if raw.startswith('"') and raw.endswith('"'):
            raw = raw[1:-1]
        out[name.lower()] = raw
    return out


def _decode_multipart(
    body: bytes, content_type: str, params: dict[str, Any], files: dict[str, UploadedFile]
) -> None:
    boundary = _header_parameters(content_type).get("boundary")
    if not boundary:
        raise BodyError("multipart without boundary")
    delimiter = b"--" + boundary.encode("latin-1")
    for part in body.split(delimiter)[1:]:
        if part.startswith(b"--"):
            break  # closing delimiter
        head, separator, content = part.partition(b"\r\n\r\n")
        if not separator:
            raise BodyError("multipart part without head")
        if content.endswith(b"\r\n"):
            content = content[:-2]
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").strip().split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        disposition = _header_parameters(headers.get("content-disposition", ""))
        name = disposition.get("name", "")
        if "filename" in disposition:
            files[name] = UploadedFile(
                field_name=name,
                filename=disposition["filename"],
                content_type=headers.get("content-type", "application/octet-stream"),
                data=content,
            )
        else:
            params[name] = content.decode("utf-8")
