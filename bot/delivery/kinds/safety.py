"""Safety messages: contact requests and new concerns for the focal points, concern updates for
the reporter; and the neutral first line discreet mode puts on top of every message."""

from __future__ import annotations

import html
from datetime import datetime

from bot.delivery.render import NothingToSend, Outgoing, renderer
from bot.domain.buttons.safety import FocalAction
from bot.domain.outbox_kinds import OutboxKind
from bot.i18n import _, format_when, ngettext
from bot.runtime import Runtime
from bot.storage import concerns, groups, people
from bot.storage.concerns import ConcernRow
from bot.storage.outbox import Claimed


def neutral_first_line(weekly: bool) -> str:
    """What a notification preview or the chat list shows in discreet mode: nothing telling."""
    return _("Your weekly note is here.") if weekly else _("A note for you.")


def discreet_text(text: str, *, weekly: bool = False) -> str:
    return f"{neutral_first_line(weekly)}\n\n{text}"


def _person_link(telegram_id: int, label: str) -> str:
    return f'<a href="tg://user?id={telegram_id}">{html.escape(label)}</a>'


@renderer(OutboxKind.CONTACT_REQUEST)
async def contact_request(item: Claimed, rt: Runtime) -> Outgoing:
    tid, _sep, username = (item.ref or "").partition(":")
    if not tid.isdigit():
        raise NothingToSend(item.kind)  # the handle was already forgotten
    who = (
        "@" + html.escape(username)
        if username
        else _("no Telegram username; use this link: {link}").format(
            link=_person_link(int(tid), _("open their chat"))
        )
    )
    text = "\n\n".join(
        [
            _("<b>Someone asked to talk to a person</b>"),
            _(
                "A person using Foyer asked for contact with the safeguarding team. "
                "Their Telegram: {who}"
            ).format(who=who),
            _(
                "Please write to them soon. Be careful: they may share their phone. Start with a "
                "neutral greeting and let them say whether it is safe to talk."
            ),
        ]
    )
    return Outgoing(text=text, protect_content=True, programme=False)


def kind_label(kind: str) -> str:
    return {"feedback": _("Feedback"), "complaint": _("Complaint")}[kind]


def about_label(about: str) -> str:
    return {
        "facilitator": _("A facilitator"),
        "member": _("A member"),
        "programme": _("The programme"),
    }[about]


def status_label(status: str) -> str:
    return {"open": _("open"), "received": _("received"), "closed": _("closed")}[status]


async def concern_detail(rt: Runtime, row: ConcernRow) -> Outgoing:
    """One concern in full, with what a focal point can do about it (sent when they open it)."""
    async with rt.engine.connect() as conn:
        group = await groups.get(conn, row.group_id) if row.group_id else None
        reporter = None
        if not row.anonymous and row.reporter_id is not None:
            reporter = await people.get(conn, row.reporter_id)
    if reporter is not None:
        who = _person_link(reporter.telegram_id, reporter.first_name or _("the reporter"))
        sender = _("Named: {who}").format(who=who)
    else:
        sender = _("Anonymous: you can answer through Foyer without knowing who it is.")
    lines = [
        _("<b>Concern {reference}</b>").format(reference=row.reference),
        _("Type: {kind}").format(kind=kind_label(row.kind)),
        _("About: {about}").format(about=about_label(row.about)),
        _("Group: {group}").format(group=html.escape(group.name) if group else _("none")),
        _("From: {sender}").format(sender=sender),
        _("Sent: {when}").format(when=format_when(row.created_at, "UTC") + " UTC"),
        _("Status: {status}").format(status=status_label(row.status)),
        "",
        html.escape(row.text),
        "",
        _("The reporter was told to expect an answer within {days} days.").format(
            days=rt.settings.concern_response_days
        ),
    ]
    buttons = [
        [
            (_("Mark received"), FocalAction("r", row.id).pack()),
            (_("Close"), FocalAction("c", row.id).pack()),
        ],
        [(_("Answer the reporter"), FocalAction("a", row.id).pack())],
    ]
    return Outgoing(text="\n".join(lines), buttons=buttons, protect_content=True, programme=False)


# Listed by reference in one notification, each with its button to open it. Far more than a
# few minutes ever bring from people limited to three a day; past it, the rest are counted.
MAX_LISTED = 50


@renderer(OutboxKind.CONCERNS_NEW)
async def new_concerns(item: Claimed, rt: Runtime) -> Outgoing:
    """The concerns raised in one window, counted, each to open on request: a focal point's
    phone rings once however many arrive. The window runs from the row's ref to when it was
    due (bot/services/concerns.py writes both)."""
    try:
        start = datetime.fromisoformat(item.ref or "")
    except ValueError:
        raise NothingToSend(item.kind) from None
    async with rt.engine.connect() as conn:
        rows = await concerns.created_between(conn, start, item.due_at)
    if not rows:
        raise NothingToSend(item.kind)  # purged, or the reporters asked to be forgotten
    n = len(rows)
    lines = [ngettext("<b>{n} new concern</b>", "<b>{n} new concerns</b>", n).format(n=n)]
    lines += [
        _("{reference}: {kind}, about {about}").format(
            reference=row.reference,
            kind=kind_label(row.kind),
            about=about_label(row.about).lower(),
        )
        for row in rows[:MAX_LISTED]
    ]
    if n > MAX_LISTED:
        more = n - MAX_LISTED
        lines.append(ngettext("and {n} more", "and {n} more", more).format(n=more))
    lines += ["", _("Open each one to read it and to act on it.")]
    buttons = [
        [(_("Open {reference}").format(reference=row.reference), FocalAction("o", row.id).pack())]
        for row in rows[:MAX_LISTED]
    ]
    return Outgoing(text="\n".join(lines), buttons=buttons, protect_content=True, programme=False)


@renderer(OutboxKind.CONCERN_NEW)
async def one_new_concern(item: Claimed, rt: Runtime) -> Outgoing:
    """One concern per message, as notifications were written before they were grouped (a row
    still pending from then is sent as it was meant)."""
    async with rt.engine.connect() as conn:
        row = await concerns.by_reference(conn, item.ref or "")
    if row is None:
        raise NothingToSend(item.kind)  # purged before it could be sent
    return await concern_detail(rt, row)


@renderer(OutboxKind.CONCERN_STATUS)
async def concern_status(item: Claimed, rt: Runtime) -> Outgoing:
    reference, _sep, status = (item.ref or "").partition(":")
    if status == "received":
        text = _(
            "Your concern {reference} has been received by the safeguarding team. "
            "They will act on it and may answer you here."
        ).format(reference=reference)
    elif status == "closed":
        text = _(
            "Your concern {reference} is now closed. Thank you for raising it. If something is "
            "still wrong, you can send a new one with /concern."
        ).format(reference=reference)
    else:
        raise NothingToSend(item.kind)
    return Outgoing(text=text)
