"""docs/deploy.md's offline install works: Foyer installs into a fresh venv from a wheelhouse
with no network, and the installed `foyer` runs the sandbox.

The wheelhouse is built beforehand, with the registries, by .ci/run
(`pip wheel . --wheel-dir DIR`, exported as FOYER_TEST_WHEELHOUSE)."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

# Not a setting of Foyer's: the tests' own input, like FOYER_TEST_POSTGRES_URL.
WHEELHOUSE = os.environ.get("FOYER_TEST_WHEELHOUSE")
# A proxy nobody listens on: any attempt to reach another machine fails at once. The
# sandbox's emulator on this machine's loopback is reached directly (NO_PROXY), as a laptop
# with no network at all would.
NOWHERE = "http://127.0.0.1:9"


def wheelhouse() -> Path:
    if not WHEELHOUSE:
        if os.environ.get("CI"):
            pytest.fail("FOYER_TEST_WHEELHOUSE is not set: .ci/run builds the wheelhouse")
        pytest.skip(
            "needs a wheelhouse: pip wheel . --wheel-dir /tmp/wh, then run the tests with "
            "FOYER_TEST_WHEELHOUSE=/tmp/wh"
        )
    path = Path(WHEELHOUSE)
    assert any(path.glob("foyer-*.whl")), f"{path} holds no foyer wheel"
    return path


def offline_env() -> dict[str, str]:
    """This machine's environment without pip's own configuration (which may name other
    package sources) or Foyer's settings, and with every request to another host going
    nowhere."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "FOYER_"))}
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        HTTP_PROXY=NOWHERE,
        HTTPS_PROXY=NOWHERE,
        ALL_PROXY=NOWHERE,
        http_proxy=NOWHERE,
        https_proxy=NOWHERE,
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )
    return env


def test_foyer_installs_from_a_wheelhouse_without_network_and_runs(tmp_path: Path) -> None:
    wheels = wheelhouse()
    venv = tmp_path / "foyer-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    env = offline_env()

    # docs/deploy.md, "Offline install for workshops", as written there.
    install = subprocess.run(
        [bin_dir / "pip", "install", "--no-index", "--find-links", str(wheels), "foyer"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]

    foyer = bin_dir / "foyer"
    shown = subprocess.run(
        [foyer, "--version"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60
    )
    assert shown.stdout.strip() == f"foyer {version('foyer')}", shown.stdout + shown.stderr

    # The venv's own copy, not this source tree.
    where = subprocess.run(
        [bin_dir / "python", "-c", "import bot; print(bot.__file__)"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout + where.stderr

    # Without a token, `foyer` opens the offline sandbox: a member asks for help.
    sandbox = subprocess.run(
        [foyer],
        input=":as member 1\n/help\n:quit\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert sandbox.returncode == 0, sandbox.stderr[-3000:]
    assert "/progress" in sandbox.stdout and "/stop" in sandbox.stdout, sandbox.stdout[-3000:]
