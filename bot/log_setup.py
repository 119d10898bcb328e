"""One place for how Foyer's processes set up logging."""

from __future__ import annotations

import logging

# httpx logs every request's URL at INFO, and a Bot API URL carries the bot token.
QUIET_LIBRARIES = {"httpx": logging.WARNING, "httpcore": logging.WARNING}
FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure_logging(level: int, fmt: str = FORMAT) -> None:
    logging.basicConfig(level=level, format=fmt)
    quiet_libraries()


def quiet_libraries() -> None:
    for name, level in QUIET_LIBRARIES.items():
        logging.getLogger(name).setLevel(level)
