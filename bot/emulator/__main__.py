"""Run the emulator standalone: ``python -m bot.emulator --port 8081``.

Point the bot at ``http://127.0.0.1:PORT/bot`` and drive users through the control API
(see ``bot/emulator/control.py``), e.g.::

    curl -d '{"user_id": 1, "text": "/start"}' http://127.0.0.1:8081/_emulator/send_text
    curl 'http://127.0.0.1:8081/_emulator/messages?chat_id=1'
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from bot.emulator.server import BotAPIEmulator


async def _serve(args: argparse.Namespace) -> None:
    emulator = BotAPIEmulator(
        token=args.token,
        bot_username=args.username,
        host=args.host,
        port=args.port,
        group_privacy=not args.no_privacy,
        auto_chats=args.auto_chats,
    )
    async with emulator:
        logging.getLogger(__name__).info("Bot API emulator on %s", emulator.base_url)
        await asyncio.Event().wait()  # until interrupted


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bot.emulator",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:TEST")
    parser.add_argument("--username", default="foyer_test_bot")
    parser.add_argument(
        "--no-privacy",
        action="store_true",
        help="deliver every group message, not only commands and mentions",
    )
    parser.add_argument(
        "--auto-chats",
        action="store_true",
        help="open a private chat on the first send to an unknown user id (benchmarks)",
    )
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args()
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
