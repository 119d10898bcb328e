"""One module per kind of outbox message; importing this package registers them all, in
REGISTERED (the application checks it when it is built: bot/delivery/render.py)."""

from bot.delivery.kinds import couples, facilitator, programme, safety, weekly  # noqa: F401
from bot.delivery.render import REGISTERED

__all__ = ["REGISTERED"]
