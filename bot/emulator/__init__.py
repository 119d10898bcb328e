"""An in-memory Telegram Bot API for tests, benchmarks and an offline sandbox.

    async with BotAPIEmulator() as emu:
        bot = telegram.Bot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url)
        emu.send_text(1001, "/start")
        reply = await emu.wait_for_message(1001)

Standard library and asyncio only; the Bot API surface is validated against
``api_spec.json`` (regenerate with ``scripts/derive_api_spec.py``).
"""

from bot.emulator.errors import ApiError
from bot.emulator.faults import Fault
from bot.emulator.models import CallbackQuery, CallRecord, Message, SimUser, StoredFile
from bot.emulator.server import BotAPIEmulator
from bot.emulator.spec import ApiSpec
from bot.emulator.users import UserHandle

__all__ = [
    "ApiError",
    "ApiSpec",
    "BotAPIEmulator",
    "CallRecord",
    "CallbackQuery",
    "Fault",
    "Message",
    "SimUser",
    "StoredFile",
    "UserHandle",
]
