"""Where Foyer's shipped data lives: inside the wheel (bot/_data) or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent


def _data_dir(name: str) -> Path:
    installed = _PACKAGE / "_data" / name
    return installed if installed.is_dir() else _CHECKOUT / name


def conversations_dir() -> Path:
    """The shipped curricula (FOYER_CONTENT_DIR overrides this in Settings)."""
    return _data_dir("conversations")


def locales_dir() -> Path:
    return _data_dir("locales")
