"""Foyer: weekly programmes for men's groups and couples, delivered over Telegram."""

__version__ = "0.1.0"
