"""The deploy kit (deploy/) is valid for systemd, and it and docs/deploy.md name only settings
Foyer has, and every one of them, so neither can drift from bot/settings.py."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNITS = ("foyer.service", "foyer-backup.service", "foyer-backup.timer")
ENV_EXAMPLE = DEPLOY / "foyer.env.example"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
INSTALLED_FOYER = "/opt/foyer/venv/bin/foyer"  # where docs/deploy.md installs it
PROXIES = (DEPLOY / "Caddyfile", DEPLOY / "nginx-foyer.conf")

FIELDS = {f"FOYER_{name.upper()}" for name in Settings.model_fields}
FOYER_NAME = re.compile(r"\bFOYER_[A-Z][A-Z_]*[A-Z]\b")
# `NAME=value` or `#NAME=value` (a default shown commented out); prose comments start "# ".
ASSIGNMENT = re.compile(r"^(#?)(FOYER_[A-Z_]+)=(.*)$")
# Characters that systemd's EnvironmentFile= and the shell (deploy/foyer-admin sources the
# file) would read differently, or that need quoting: none may appear in a value.
UNSAFE_IN_VALUE = re.compile(r"""[\s"'`$\\;&|<>()*?#]""")


def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("systemd-analyze is missing: .ci/run installs Debian's systemd package")
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    return found


def units_for_this_machine(tmp_path: Path) -> list[Path]:
    """Copies of the units with ExecStart's binary pointed at this venv's `foyer`: verify
    checks that the binary exists, and /opt/foyer is a server's path. Only that path changes."""
    foyer = Path(sys.executable).with_name("foyer")
    assert foyer.exists(), f"{foyer}: install Foyer in the test venv (pip install -e .)"
    copies = []
    for name in UNITS:
        text = (DEPLOY / name).read_text(encoding="utf-8")
        if name.endswith(".service"):
            assert text.count(INSTALLED_FOYER) == 1, name
        copy = tmp_path / name
        copy.write_text(text.replace(INSTALLED_FOYER, str(foyer)), encoding="utf-8")
        copies.append(copy)
    return copies


def test_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    """verify exits 0 on unknown keys and bad values too (it only warns): any output fails.
    In a container it needs neither the foyer user nor /etc/foyer/foyer.env to exist (it does
    not look them up), only ExecStart's binary."""
    tool = systemd_analyze()
    copies = units_for_this_machine(tmp_path)
    result = subprocess.run(
        [tool, "verify", *map(str, copies)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), (
        result.stdout + result.stderr
    )


def test_verify_would_see_a_mistake(tmp_path: Path) -> None:
    """The check above is not blind: a misspelt key is reported."""
    tool = systemd_analyze()
    unit = units_for_this_machine(tmp_path)[0]
    unit.write_text(
        unit.read_text(encoding="utf-8").replace("Restart=", "Restrat="), encoding="utf-8"
    )
    result = subprocess.run([tool, "verify", str(unit)], capture_output=True, text=True)
    assert "Restrat" in result.stdout + result.stderr


@pytest.mark.parametrize("unit", ["foyer.service", "foyer-backup.service"])
def test_services_are_hardened(tmp_path: Path, unit: str) -> None:
    """systemd's own measure of what a service may still do: "OK" (2.0) or better."""
    tool = systemd_analyze()
    copy = next(c for c in units_for_this_machine(tmp_path) if c.name == unit)
    result = subprocess.run(
        [tool, "security", "--offline=yes", "--threshold=20", "--no-pager", str(copy)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    exposure = re.search(r"Overall exposure level for \S+: ([\d.]+)", result.stdout)
    assert result.returncode == 0 and exposure, result.stdout[-3000:] + result.stderr
    assert float(exposure.group(1)) <= 2.0


def test_the_unit_writes_only_the_database_folder_and_runs_as_its_own_user() -> None:
    unit = (DEPLOY / "foyer.service").read_text(encoding="utf-8")
    settings = dict(
        line.split("=", 1) for line in unit.splitlines() if "=" in line and line[0] != "#"
    )
    assert settings["User"] == settings["Group"] == "foyer"
    assert settings["ProtectSystem"] == "strict"
    assert settings["ReadWritePaths"] == "/var/lib/foyer"
    assert settings["ExecStart"] == f"{INSTALLED_FOYER} run"
    assert settings["EnvironmentFile"] == "/etc/foyer/foyer.env"
    assert settings["UMask"] == "0077"


def test_the_proxies_pass_the_webhook_and_health_paths_to_foyers_default_listen() -> None:
    listen = Settings.model_fields["webhook_listen"].default
    for proxy in PROXIES:
        text = proxy.read_text(encoding="utf-8")
        lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
        # The webhook path and /healthz, no more.
        assert sum(listen in line for line in lines) == 2, proxy.name
        assert "/telegram-updates" in text and "/healthz" in text, proxy.name


def test_every_deploy_file_the_doc_names_exists() -> None:
    named = set(re.findall(r"deploy/([\w.-]*\w)", DEPLOY_DOC.read_text(encoding="utf-8")))
    assert named >= {"foyer.service", "foyer.env.example", "Caddyfile", "foyer-admin"}
    assert not {n for n in named if not (DEPLOY / n).is_file()}


def names_in(text: str) -> set[str]:
    return set(FOYER_NAME.findall(text))


def settings_table(doc: str) -> set[str]:
    section = doc.split("## 4. Settings", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `(FOYER_[A-Z_]+)` \|", section, re.M))


def test_every_setting_named_in_the_kit_and_the_doc_exists() -> None:
    for path in [*(DEPLOY / u for u in UNITS), ENV_EXAMPLE, DEPLOY_DOC, *PROXIES]:
        unknown = names_in(path.read_text(encoding="utf-8")) - FIELDS
        assert not unknown, f"{path.name} names settings Foyer does not have: {sorted(unknown)}"


def test_every_setting_is_in_the_env_example_and_the_doc_table() -> None:
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    assigned = [m.group(2) for m in map(ASSIGNMENT.match, lines) if m]
    assert sorted(assigned) == sorted(FIELDS), "each setting once in foyer.env.example"
    table = settings_table(DEPLOY_DOC.read_text(encoding="utf-8"))
    assert table == FIELDS, f"missing {sorted(FIELDS - table)}, unknown {sorted(table - FIELDS)}"


def test_env_example_is_valid_and_shows_the_true_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The example as shipped loads; each `#FOYER_X=value` line is the setting's default."""
    for name in list(os.environ):
        if name.startswith("FOYER_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env
    active: dict[str, str] = {}
    shown_defaults: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        m = ASSIGNMENT.match(line)
        if m is None:
            assert not line.strip() or line.startswith("# ") or line == "#", line
            continue
        commented, name, value = m.groups()
        assert not UNSAFE_IN_VALUE.search(value), line
        (shown_defaults if commented else active)[name] = value
    for name, value in active.items():
        monkeypatch.setenv(name, value)
    loaded = Settings()
    assert loaded.database_url == "sqlite+aiosqlite:////var/lib/foyer/foyer.db"
    assert loaded.webhook_url is None  # polling unless the operator turns webhooks on
    for name, value in shown_defaults.items():
        field = name.removeprefix("FOYER_").lower()
        default = Settings.model_fields[field].default
        if value:
            with monkeypatch.context() as patch:
                patch.setenv(name, value)
                assert getattr(Settings(), field) == default, name
        else:
            assert default is None, f"{name}: an empty line must mean the default, unset"


def test_memory_deny_write_execute_leaves_the_charts_working(tmp_path: Path) -> None:
    """foyer.service sets MemoryDenyWriteExecute=yes: Python, matplotlib (report charts) and
    ctypes' callbacks must work where no memory may be writable and executable at once. The
    kernel's own rule (prctl PR_SET_MDWE, Linux 6.3+), which systemd uses where it can, is
    set first, then the chart is drawn."""
    if not sys.platform.startswith("linux"):
        pytest.skip("MemoryDenyWriteExecute is a Linux (systemd) setting")
    script = tmp_path / "under_mdwe.py"
    script.write_text(
        """
import ctypes, mmap, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(65, 1, 0, 0, 0) != 0:  # PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN
    print("unsupported"); sys.exit(0)
try:
    mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    sys.exit("W^X is not in force")
except PermissionError:
    pass
callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int)(lambda x: x + 1)
assert callback(1) == 2
from datetime import date
from bot.reports.aggregates import WeekTotals
from bot.reports.chart import render_png
weeks = [WeekTotals(1, date(2026, 12, 3), 8, 5, 2, 1, True, 7)]
labels = {k: k for k in ("reached", "done", "partly", "notyet", "attendance")}
png = render_png(weeks, 3, "Week", {**labels, "week": "Week {number}"})
print("png" if png.startswith(b"\\x89PNG") else "no png")
""",
        encoding="utf-8",
    )
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path / "mpl")}
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
    )
    if result.stdout.strip() == "unsupported":
        pytest.skip("this kernel has no PR_SET_MDWE (Linux 6.3+)")
    assert result.returncode == 0 and result.stdout.strip() == "png", result.stderr[-3000:]
