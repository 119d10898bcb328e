"""Small versions of the reliability campaigns (the full ones: python -m bench.campaigns.<name>).

Crash, faults, fuzz, bad files and settings; the authorization campaign is left out while the
facilitator and admin actions are being built (see docs/performance.md).
"""

from __future__ import annotations

from bench.campaigns import badinput, crash, faults, fuzz


def test_crash_kills_lose_nothing_and_repeat_at_most_one_per_kill() -> None:
    result = crash.run(members=300, kills=3, rng_seed=7)
    assert result.missing == 0
    assert result.extra <= result.kills


def test_faults_lose_nothing_and_never_retry_blocked_members() -> None:
    result = faults.run(members=200, rng_seed=3, concurrency=1, timeouts=0, burst=2, bursts=1)
    assert result.injected["5xx"] > 0 and result.injected["429_bursts"] > 0
    assert result.missing == 0
    assert result.duplicates == 0  # no timeouts in this version: nothing may arrive twice
    assert result.blocked_marked == result.blocked
    assert result.blocked_retried == 0
    # With one sender, no call can start before retry_after ran out.
    assert result.early_calls == 0


def test_fuzzed_updates_get_kind_answers_and_no_text_in_logs() -> None:
    result = fuzz.run(examples=300, rng_seed=5)
    assert result.updates >= 600
    assert result.handler_errors == []
    assert result.leaks == []
    assert result.unkind == []


def test_bad_settings_and_csv_imports_are_one_line_exit_2_and_change_nothing() -> None:
    result = badinput.run()
    failures = [
        (c.name, c.code, c.stderr[:200])
        for c in result.failures
        if not c.name.startswith("content:")
    ]
    assert failures == []
    assert len(result.cases) > 40
    for case in result.cases:  # every case, curriculum files included
        assert case.code == 2, case.name
        assert case.stderr.startswith("foyer: "), case.name
        assert "Traceback" not in case.stderr, case.name
        assert not case.changed, case.name


def test_broken_curriculum_files_are_reported_in_one_line() -> None:
    result = badinput.run(csv_cases=[])
    assert [c.name for c in result.failures] == []
