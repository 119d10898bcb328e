"""The programme report built from the database: the counts of bot/storage/indicators.py, laid
out as each indicator's tables (groups, their partitions, the members' languages) and protected
(bot/domain/suppression.py) before anything leaves this module.

A (group, period) pair is *not applicable* (absent from the counts: zero, shown, never hidden)
when the group was not running then and nothing happened in it. A group runs from its creation
(members may join before the first meeting) or its first meeting, whichever is earlier, to its
last week's check-in; a group whose curriculum is not installed is taken as still running.
Retention is a stock, so it is counted only while the group runs.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.couples import has_couples_track
from bot.domain.curricula import Curricula
from bot.domain.indicators import (
    DEFINITIONS,
    WHOLE,
    Audience,
    Indicator,
    PeriodKind,
    Whole,
    periods,
)
from bot.domain.suppression import Grid, Protected, Tables, protect, protect_apart
from bot.reports.programme import NO_GROUP_ROW, GroupInfo, ProgrammeReport
from bot.storage.indicators import NO_GROUP, Cells, count_all, group_rows

SAFEGUARDING = frozenset(i for i, d in DEFINITIONS.items() if d.audience == "safeguarding")


def indicators_for(audience: Audience) -> tuple[Indicator, ...]:
    """The programme audience never holds a safeguarding indicator; safeguarding holds all."""
    return tuple(
        i for i in Indicator if audience == "safeguarding" or DEFINITIONS[i].audience == audience
    )


@dataclass(frozen=True)
class _Group:
    info: GroupInfo
    running: frozenset[str]  # the report's periods the group ran in
    couples: bool = True  # has a couples track (False: no partner can join, a known zero)


def _last_day(row: Any, curricula: Curricula) -> date | None:
    """The day of the group's last check-in (a week after its last meeting, plus the days to
    the check-in), None when its curriculum is unknown here."""
    cur = curricula.get(row.curriculum_id)
    if cur is None:
        return None
    postponed = len([p for p in str(row.postponed_weeks or "").split(",") if p])
    last_meeting = row.starts_on + timedelta(weeks=cur.weeks - 1 + postponed)
    return last_meeting + timedelta(days=7 + row.checkin_after_days)  # delivery within a week


def _running(
    row: Any, curricula: Curricula, start: date, end: date, kind: PeriodKind
) -> frozenset[str]:
    first = min(row.starts_on, row.created_at.date())
    last = _last_day(row, curricula) or end
    first, last = max(first, start), min(last, end)
    if last < first:
        return frozenset()
    return frozenset(periods(first, last, kind))


def _groups(
    rows: list[Any],
    curricula: Curricula,
    start: date,
    end: date,
    kind: PeriodKind,
    country: str | None,
) -> list[_Group]:
    out = []
    for r in rows:
        if country is not None and (r.country or "").upper() != country:
            continue
        info = GroupInfo(
            id=int(r.id),
            name=r.name,
            country=(r.country or "").upper(),
            region=r.region or "",
            curriculum=r.curriculum_id,
            language=r.language,
        )
        cur = curricula.get(r.curriculum_id)
        couples = cur is None or has_couples_track(cur, r.couples_weeks or "")
        out.append(_Group(info, _running(r, curricula, start, end, kind), couples))
    return out


def _tables(
    indicator: Indicator,
    cells: Cells,
    groups: list[_Group],
    labels: tuple[str, ...],
    with_no_group: bool,
) -> Tables:
    """The indicator's tables over ``labels``: the periods, or (WHOLE,) for its count over the
    whole report, where every group of the report is applicable."""
    by_id = {str(g.info.id): g for g in groups}
    stock = indicator == Indicator.RETAINED
    group_counts: dict[tuple[str, str], int] = {}
    language_counts: dict[tuple[str, str], int] = defaultdict(int)
    for (gid, lang, label), n in cells.items():
        if label not in labels:
            continue
        row = str(gid)
        if row == NO_GROUP_ROW and not with_no_group:
            continue
        g = by_id.get(row)
        if row != NO_GROUP_ROW and (g is None or (stock and label not in g.running)):
            continue  # another country's group, or a stock counted after the group ended
        group_counts[row, label] = group_counts.get((row, label), 0) + n
        language_counts[lang, label] += n
    for g in groups:  # the periods the group ran in are applicable, zero or not
        if indicator == Indicator.PARTNERS and not g.couples:
            continue  # no couples track: no partner can join, zero and known to be
        for label in labels if labels == (WHOLE,) else g.running:
            group_counts.setdefault((str(g.info.id), label), 0)
    rows = [str(g.info.id) for g in groups]
    if with_no_group:
        rows.append(NO_GROUP_ROW)
        for label in labels:
            group_counts.setdefault((NO_GROUP_ROW, label), 0)
    infos = {str(g.info.id): g.info for g in groups}
    empty = GroupInfo(NO_GROUP, "", "", "", "", "")
    part = {
        "country": {r: infos.get(r, empty).country for r in rows},
        "region": {r: infos.get(r, empty).region for r in rows},
        "curriculum": {r: infos.get(r, empty).curriculum for r in rows},
    }
    languages = tuple(sorted({lang for lang, _ in language_counts}))
    side = Grid(languages, labels, dict(language_counts))
    return Tables(Grid(tuple(rows), labels, group_counts), part, {"language": side})


@dataclass(frozen=True)
class _Laid:
    """One indicator's tables, and how its totals are made (DEFINITIONS' ``whole``)."""

    tables: Tables
    whole: Whole
    once: Tables | None = None  # "once": the people counted over the whole report


def _protect(laid: _Laid, min_count: int) -> Protected:
    if laid.whole == "sum":
        return protect(laid.tables, min_count)
    return protect_apart(laid.tables, min_count, laid.once)


def protect_all(laid: dict[Indicator, _Laid], min_count: int) -> dict[Indicator, Protected]:
    """Every indicator protected, one after the other: the long part of a large report (about
    15 s for 1,000 groups over a year, pure Python; docs/performance.md), run by the caller
    away from any event loop."""
    return {i: _protect(x, min_count) for i, x in laid.items()}


async def build(
    engine: AsyncEngine,
    curricula: Curricula,
    *,
    start: date,
    end: date,
    country: str | None,
    period_kind: PeriodKind,
    min_count: int,
    audience: Audience = "programme",
) -> ProgrammeReport:
    """The report for ``start``..``end`` (both included), every count protected. The
    database is read first and let go before the long protection."""
    labels = periods(start, end, period_kind)
    country = country.upper() if country else None
    indicators = indicators_for(audience)
    async with engine.connect() as conn:
        counted = await count_all(
            conn, indicators, start=start, end=end, kind=period_kind, periods=labels
        )
        rows = await group_rows(conn)
    groups = _groups(rows, curricula, start, end, period_kind, country)
    active = {gid for cells in counted.values() for gid, _, _ in cells}
    groups = [g for g in groups if g.running or g.info.id in active]
    # Help and concerns of people in no group belong to no country: left out of a country's.
    with_no_group = audience == "safeguarding" and country is None
    laid_out: dict[Indicator, _Laid] = {}
    for i in indicators:
        no_group = with_no_group and i in SAFEGUARDING
        whole = DEFINITIONS[i].whole
        once = _tables(i, counted[i], groups, (WHOLE,), no_group) if whole == "once" else None
        laid_out[i] = _Laid(_tables(i, counted[i], groups, labels, no_group), whole, once)
    tables = await asyncio.to_thread(protect_all, laid_out, min_count)
    return ProgrammeReport(
        start=start,
        end=end,
        country=country,
        period_kind=period_kind,
        periods=labels,
        groups=tuple(g.info for g in groups),
        min_count=min_count,
        tables=tables,
        audience=audience,
    )
