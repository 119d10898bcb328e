"""Small versions of the reliability campaigns (the full ones: python -m bench.campaigns.<name>).

Crash, faults, fuzz, bad files and settings, and authorization (every facilitator and admin
action against a member, another group's facilitator and a stranger, in English, on a small
database).
"""

from __future__ import annotations

import os

import pytest

from bench import pg
from bench.campaigns import (
    authz,
    badinput,
    crash,
    faults,
    flood,
    fuzz,
    pg_restart,
    second_process,
    storage,
)
from bot.domain.buttons import Button, families, group_actions, staff, unpack
from bot.domain.buttons.group_actions import GROUP_ACTIONS
from bot.domain.buttons.member import ContactRegistration
from bot.domain.buttons.safety import FocalAction
from tests import postgres_server


def test_crash_kills_lose_nothing_and_repeat_at_most_one_per_kill(campaign_db_url: str) -> None:
    result = crash.run(members=300, kills=3, rng_seed=7, database_url=campaign_db_url)
    assert result.missing == 0
    assert result.extra <= result.kills


def test_two_workers_on_postgresql_killed_in_turn_lose_nothing_and_repeat_at_most_one_per_kill(
    request: pytest.FixtureRequest,
) -> None:
    # Several workers exist only on PostgreSQL; CI always has it (as for every PostgreSQL test).
    if postgres_server.URL is None:
        message = f"set {postgres_server.URL_VARIABLE} to run the PostgreSQL tests (README)"
        if os.environ.get("CI"):
            pytest.fail(f"CI runs every backend: {message}")
        pytest.skip(message)
    with postgres_server.fresh_database(request.getfixturevalue("postgres_template")) as url:
        result = crash.run(members=300, kills=4, rng_seed=7, database_url=url, workers=2)
    assert result.workers == 2 and result.refused == 0  # both served, neither refused
    assert result.missing == 0
    assert result.extra <= result.kills


def test_faults_lose_nothing_keep_order_and_never_retry_blocked_members(
    campaign_db_url: str,
) -> None:
    result = faults.run(
        members=200,
        rng_seed=3,
        concurrency=8,
        timeouts=0,
        burst=2,
        bursts=1,
        database_url=campaign_db_url,
    )
    assert result.injected["5xx"] > 0 and result.injected["429_bursts"] > 0
    assert result.missing == 0
    assert result.duplicates == 0  # no timeouts in this version: nothing may arrive twice
    assert result.blocked_marked == result.blocked
    assert result.blocked_retried == 0
    assert result.out_of_order == 0  # the group's news never before the week's prompt
    # Eight sends in flight, and still no call starts before retry_after ran out.
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


# Every staff button family (the pages of long lists aside), a partner contact's registration
# and a focal point's action on a concern.
STAFF_FAMILIES = {
    f for f in families() if f.__module__ in (staff.__name__, group_actions.__name__)
} | {ContactRegistration, FocalAction}


def _family_of(name: str) -> type[Button] | None:
    """The family of an action named with placeholders (G the group, M the member...)."""
    for placeholder in (":G", ":M", ":B", ":C", ":S", ":T"):
        name = name.replace(placeholder, ":1")
    button = unpack(name.replace("<member code>", "code"))
    return type(button) if button is not None else None


def test_every_staff_action_is_refused_to_everyone_else_and_changes_nothing(
    campaign_db_url: str,
) -> None:
    result = authz.run(groups=2, members=3, languages=("en",), database_url=campaign_db_url)
    # Every staff button family and every group menu action is in the table...
    covered = {_family_of(a) for a in result.actions}
    assert sorted(f.__name__ for f in STAFF_FAMILIES - covered) == []
    assert {a.split(":")[2] for a in result.actions if a.startswith("fg:")} == set(GROUP_ACTIONS)
    # ...and tried by each outsider, and by the rightful person.
    tried = [(c.action, c.actor) for c in result.cases]
    for actor in (*authz.ATTACKERS, authz.RIGHTFUL):
        assert sorted(a for a, who in tried if who == actor) == sorted(result.actions), actor
    staff_only = [a for a, who in tried if who == authz.OWN_FACILITATOR]
    assert {"/newfacilitator", "fi:G", "zf:r:C", "/staff", "sr:f:S:T:y"} <= set(staff_only)
    assert [(c.action, c.actor, c.outcome, c.detail) for c in result.failures] == []


def test_storage_faults_mid_fan_out_send_nothing_twice_lose_nothing_and_answer_everyone() -> None:
    result = storage.run(members=100)
    assert [r.fault for r in result.rows] == list(storage.FAULTS)
    for r in result.rows:
        # The full disk needs a tmpfs of its own, which root can mount (CI runs as root).
        assert r.ran or os.geteuid() != 0, r.fault
        if not r.ran:
            continue
        assert (r.missing, r.duplicates, r.tracebacks) == (0, 0, 0), r
        assert r.asked > 0 and r.answered == r.asked, r
        assert r.log_lines <= 5 + r.asked, r  # storage.FaultResult.ok says why


def test_a_flooding_person_delays_nobody_else() -> None:
    result = flood.run(messages=300)
    for r in result.rows:
        assert r.ok, r
        assert r.flooder_answers <= 21, r  # 20 answered, one "please slow down", or fewer


def test_a_second_foyer_refuses_or_joins_and_each_message_is_sent_once(
    campaign_db_url: str,
) -> None:
    r = second_process.run(members=100, database_url=campaign_db_url)
    if campaign_db_url:  # PostgreSQL: a worker beside the first, never a second poller
        assert r.shared and r.second_ok, (r.conflicts, r.same_database.stderr[-500:])
    else:
        assert r.same_database.one_line and r.names_first, r.same_database.stderr[-500:]
    assert r.same_token.one_line, r.same_token.stderr[-500:]
    assert (r.missing, r.duplicates) == (0, 0)


def test_postgresql_restarted_mid_fan_out_loses_nothing_and_the_worker_logs_no_traceback() -> None:
    # A cluster of the test's own (it restarts it). CI has the binaries and must run this.
    if not (pg.PG_BIN / "initdb").exists() and not os.environ.get("CI"):
        pytest.skip(f"no PostgreSQL server binaries in {pg.PG_BIN} (FOYER_PG_BIN)")
    r = pg_restart.run(members=200, concurrency=4)
    assert len(r.restart_seconds) == len(pg_restart.MODES)
    assert max(r.sent_after_restart) < r.members  # both in the middle of the fan-out
    assert r.missing == 0
    assert r.duplicates <= r.allowed  # at most the sends in flight, per restart
    assert r.tracebacks == 0
    # A few lines per restart, each one line naming an event: the sender's pause and resume,
    # and the planner's tick when the restart cut it (planner.tick_failed; whether it comes
    # depends on timing), never the error handler's. None says a message was given up or a
    # record dropped.
    assert len(r.warnings) <= 3 * len(r.restarts), r.warnings
    unwanted = ("gave_up", "record_dropped", "handler.error")
    assert not [w for w in r.warnings if any(u in w for u in unwanted)], r.warnings
    assert r.exit_code == 0
