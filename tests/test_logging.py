"""What Foyer's logs hold once configured as `foyer run` configures them."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.log_setup import QUIET_LIBRARIES, configure_logging
from tests.conftest import Foyer


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith("bot.emulator"):  # the test's own Telegram
            self.lines.append(record.getMessage())


@pytest.fixture
def lines() -> Iterator[Lines]:
    root = logging.getLogger()
    saved = root.level, {name: logging.getLogger(name).level for name in QUIET_LIBRARIES}
    handler = Lines()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(saved[0])
        for name, level in saved[1].items():
            logging.getLogger(name).setLevel(level)


async def test_logs_never_carry_the_bot_token(foyer: Foyer, lines: Lines) -> None:
    configure_logging(logging.INFO)
    logging.getLogger().setLevel(logging.INFO)  # pytest's own handlers keep basicConfig out
    uid = foyer.new_user()
    foyer.emu.send_text(uid, "/help")
    await foyer.last_message(uid)  # an update fetched and an answer sent, both over HTTP
    await foyer.settle()
    assert any(line for line in lines.lines)  # the bot did log at INFO ...
    assert [line for line in lines.lines if foyer.emu.token in line] == []  # ... never the token
