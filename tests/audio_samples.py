"""Tiny OGG/Opus recordings made on the spot (scripts/make_test_audio.py has the recipe)."""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

_SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "make_test_audio.py"


@functools.cache
def _maker() -> object:
    spec = importlib.util.spec_from_file_location("make_test_audio", _SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.cache
def opus_bytes(seconds: float = 2.0, pitch: float = 220.0) -> bytes:
    """An OGG/Opus file of ``seconds`` (a tone; pitch tells two recordings apart)."""
    data: bytes = _maker().opus_bytes(seconds, pitch)  # type: ignore[attr-defined]
    return data
