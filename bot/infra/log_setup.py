"""One place for how Foyer's processes set up logging, and for keeping the bot token out of it."""

from __future__ import annotations

import logging
import time
from urllib.parse import quote

# httpx logs every request's URL at INFO, and a Bot API URL carries the bot token.
# APScheduler says "Running job" and "executed successfully" at INFO for every planner tick
# (two lines a minute); its warnings (a missed run) and errors still show.
QUIET_LIBRARIES = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "apscheduler": logging.WARNING,
}
FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
REDACTED = "<bot token>"


class RedactToken(logging.Filter):
    """Replaces the bot token in a record before any formatter sees it.

    The token is part of every Bot API URL, so it turns up in libraries' messages ("The token
    `...` was rejected") and in exceptions chained under ours (aiohttp's TooManyRedirects names
    the URL). The filter renders the message with its arguments and the exception with its
    whole chain, as the formatter would, and keeps only the redacted text.
    """

    _render = logging.Formatter()

    def __init__(self, token: str) -> None:
        super().__init__()
        # As typed, and as a URL may carry it (the colon percent-encoded).
        self._forms = sorted({token, quote(token, safe="")}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for form in self._forms:
            text = text.replace(form, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._render.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
            # The formatter prints exc_text; without exc_info nothing renders the raw one again.
            record.exc_info = None
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def redacted(text: str, token: str | None) -> str:
    """The text with the token taken out, for what is printed rather than logged."""
    return RedactToken(token).redact(text) if token else text


def configure_logging(level: int, fmt: str = FORMAT, *, token: str | None = None) -> None:
    logging.basicConfig(level=level, format=fmt)
    quiet_libraries()
    if token:
        redact_token(token)


def redact_token(token: str) -> None:
    """Install the filter on every handler of the root logger, where every record ends up."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactToken) for f in handler.filters):
            handler.addFilter(RedactToken(token))


def quiet_libraries() -> None:
    for name, level in QUIET_LIBRARIES.items():
        logging.getLogger(name).setLevel(level)


class Throttled:
    """At most one line a minute for an event that can come with every update (a write a full
    disk refuses): the lines left out are counted on the next one said."""

    def __init__(self, log: logging.Logger, every: float = 60.0) -> None:
        self._log = log
        self._every = every
        self._said: dict[str, float] = {}
        self._unsaid: dict[str, int] = {}

    def warning(self, event: str, msg: str, *args: object) -> None:
        now = time.monotonic()
        if now - self._said.get(event, -self._every) < self._every:
            self._unsaid[event] = self._unsaid.get(event, 0) + 1
            return
        self._said[event] = now
        unsaid = self._unsaid.pop(event, 0)
        self._log.warning(f"{msg} unsaid={unsaid}", *args)
