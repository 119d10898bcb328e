"""The README's deployment example works as written, whatever the day it is read."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from tests.test_settings_and_cli import ROOT, foyer


def _deployment_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Running a real deployment", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    return [line for line in block.group(1).replace("\\\n", " ").splitlines() if line.strip()]


def test_the_readme_deployment_example_runs_as_written(tmp_path: Path) -> None:
    env: dict[str, str] = {}
    ran = []
    for line in _deployment_commands():
        words = shlex.split(line, comments=True)
        if words[0] == "export":
            name, _, value = words[1].partition("=")
            if name != "FOYER_BOT_TOKEN":  # the example's token is a placeholder
                env[name] = value
            continue
        assert words[0] == "foyer", line  # the venv is active: every command is `foyer`
        if words[1:] == ["run"]:  # serving needs a real bot: tests/test_packaging.py runs it
            ran.append("run")
            continue
        result = foyer(*words[1:], env=env, cwd=tmp_path)
        assert result.returncode == 0, (line, result.stderr)
        ran.append(words[1])
    assert ran == ["db", "group", "run"]
    assert (tmp_path / "foyer.db").exists()
