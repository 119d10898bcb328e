"""The code stays ruff- and mypy-clean (configuration in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_ruff() -> None:
    pytest.importorskip("ruff")
    result = run("ruff", "check", "bot", "tests", "bench", "scripts", "hatch_build.py")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy() -> None:
    pytest.importorskip("mypy")
    result = run("mypy")  # every folder named in pyproject's [tool.mypy] files
    assert result.returncode == 0, result.stdout + result.stderr
