"""One module per kind of outbox message; importing this package registers them all."""

from bot.delivery.kinds import couples, facilitator, safety, weekly  # noqa: F401
