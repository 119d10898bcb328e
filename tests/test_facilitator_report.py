"""/report and /export against a seeded database: group totals only, small counts hidden."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from matplotlib.image import imread

from bot.domain.policy import suppress
from bot.storage.tables import checkin, membership, outbox, person, session_log
from tests.conftest import Foyer
from tests.facilitator_helpers import make_facilitator

NOW = datetime(2026, 12, 12, 12, 0, tzinfo=UTC)  # after week 2's delivery (Friday 11th)


async def seed(f: Foyer) -> tuple[int, int]:
    """Six members (five opted in to be counted), two weeks of messages, answers and sessions."""
    gid, _code = await f.create_group()
    fac = await make_facilitator(f, gid)
    async with f.rt.engine.begin() as conn:
        mids = []
        for i in range(6):
            result = await conn.execute(
                person.insert().values(
                    telegram_id=70000 + i,
                    language="en",
                    discreet=False,
                    silent=False,
                    blocked=False,
                    created_at=NOW - timedelta(days=20),
                    last_seen_at=NOW - timedelta(days=2 if i < 3 else 10),
                )
            )
            assert result.inserted_primary_key is not None
            pid = result.inserted_primary_key[0]
            result = await conn.execute(
                membership.insert().values(
                    person_id=pid,
                    group_id=gid,
                    role="member",
                    status="active",
                    progress_opt_in=i != 5,
                    number=i + 1,
                    joined_at=NOW - timedelta(days=20),
                )
            )
            assert result.inserted_primary_key is not None
            mid = result.inserted_primary_key[0]
            mids.append(mid)
        reached = {1: mids[:5], 2: mids[:4]}
        for week, ms in reached.items():
            for mid in ms:
                await conn.execute(
                    outbox.insert().values(
                        key=f"g{gid}:w{week}:prompt:m{mid}",
                        chat_id=1,
                        membership_id=mid,
                        group_id=gid,
                        kind="prompt",
                        week=week,
                        due_at=NOW,
                        status="sent",
                        attempts=1,
                    )
                )
        answers = {
            1: ["done", "done", "done", "partly", None, "done"],  # the 6th did not opt in
            2: ["done", "done", None, None, None, "notyet"],
        }
        for week, values in answers.items():
            for mid, value in zip(mids, values, strict=True):
                if value:
                    await conn.execute(
                        checkin.insert().values(
                            membership_id=mid, week=week, value=value, answered_at=NOW
                        )
                    )
        await conn.execute(
            session_log.insert().values(
                group_id=gid, week=1, held=True, attendance=7, logged_at=NOW
            )
        )
        await conn.execute(
            session_log.insert().values(group_id=gid, week=2, held=False, logged_at=NOW)
        )
    f.clock.set(NOW)
    return gid, fac


@pytest.mark.parametrize(("n", "shown"), [(0, "<3"), (1, "<3"), (2, "<3"), (3, "3")])
def test_suppression_threshold(n: int, shown: str) -> None:
    assert suppress(n, 3) == shown


async def test_report_numbers_and_chart(foyer: Foyer) -> None:
    _gid, fac = await seed(foyer)
    foyer.emu.send_text(fac, "/report")
    text = (await foyer.last_message(fac)).text
    assert "Members now: 6" in text
    assert "Active in the last 7 days: 3" in text
    assert "Sessions held: 1" in text  # meetings, not people: exact
    week1, week2 = text.split("Week 1", 1)[1].split("Week 2")
    assert "Members reached: 5" in week1
    assert "Check-ins: Done 3 · Partly <3 · Not yet <3" in week1  # 3, 1 and 0
    assert "Session: held, attendance 7" in week1
    assert "Members reached: 4" in week2
    assert "Check-ins: Done <3 · Partly <3 · Not yet <3" in week2  # 2, 0 and 0 (6th not counted)
    assert "Session: did not take place" in week2
    chart = await foyer.last_message(fac)
    assert chart.kind == "photo" and chart.file.data[:8] == b"\x89PNG\r\n\x1a\n"
    image = imread(io.BytesIO(chart.file.data), format="png")
    assert image.shape[0] > 100 and image.shape[1] > 100


async def test_export_csv_columns_and_date_filter(foyer: Foyer) -> None:
    _gid, fac = await seed(foyer)
    foyer.emu.send_text(fac, "/export")
    ask = await foyer.last_message(fac)
    await foyer.press(fac, ask, "All weeks")
    doc = await foyer.emu.wait_for_message(fac, lambda m: m.kind == "document")
    assert doc.file is not None and doc.file.data is not None
    table = list(csv.DictReader(io.StringIO(doc.file.data.decode())))
    assert list(table[0]) == [
        "group_id", "week", "meeting_date", "members_reached", "checkins_done",
        "checkins_partly", "checkins_not_yet", "session_held", "attendance",
    ]  # fmt: skip
    assert [
        (r["week"], r["members_reached"], r["checkins_done"], r["attendance"]) for r in table
    ] == [
        ("1", "5", "3", "7"),
        ("2", "4", "<3", ""),
    ]
    # A typed range: only week 2 (meeting on 2026-12-10); a bad range is explained, not used.
    foyer.emu.send_text(fac, "/export")
    await foyer.last_message(fac)
    foyer.emu.send_text(fac, "2026-12-31 2026-12-01")
    assert "earlier first" in (await foyer.last_message(fac)).text
    foyer.emu.send_text(fac, "2026-12-09 2026-12-31")
    doc = await foyer.emu.wait_for_message(fac, lambda m: m.kind == "document")
    assert doc.file is not None and doc.file.data is not None
    table = list(csv.DictReader(io.StringIO(doc.file.data.decode())))
    assert [(r["week"], r["meeting_date"], r["session_held"]) for r in table] == [
        ("2", "2026-12-10", "no")
    ]
