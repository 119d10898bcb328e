"""Safety messages: contact requests and new concerns for the focal points, concern updates for
the reporter; and the neutral first line discreet mode puts on top of every message."""

from __future__ import annotations

import html

from bot.delivery.render import NothingToSend, Outgoing, renderer
from bot.handlers.callbacks import safety_data
from bot.i18n import _, format_when
from bot.runtime import Runtime
from bot.storage import concerns, groups, people
from bot.storage.outbox import Claimed
from bot.storage.personal_data import CONTACT_KIND


def neutral_first_line(weekly: bool) -> str:
    """What a notification preview or the chat list shows in discreet mode: nothing telling."""
    return _("Your weekly note is here.") if weekly else _("A note for you.")


def discreet_text(text: str, *, weekly: bool = False) -> str:
    return f"{neutral_first_line(weekly)}\n\n{text}"


def _person_link(telegram_id: int, label: str) -> str:
    return f'<a href="tg://user?id={telegram_id}">{html.escape(label)}</a>'


@renderer(CONTACT_KIND)
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


@renderer("concern_new")
async def concern_new(item: Claimed, rt: Runtime) -> Outgoing:
    async with rt.engine.connect() as conn:
        row = await concerns.by_reference(conn, item.ref or "")
        if row is None:
            raise NothingToSend(item.kind)  # purged before it could be sent
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
        _("<b>New concern {reference}</b>").format(reference=row.reference),
        _("Type: {kind}").format(kind=kind_label(row.kind)),
        _("About: {about}").format(about=about_label(row.about)),
        _("Group: {group}").format(group=html.escape(group.name) if group else _("none")),
        _("From: {sender}").format(sender=sender),
        _("Sent: {when}").format(when=format_when(row.created_at, "UTC") + " UTC"),
        "",
        html.escape(row.text),
        "",
        _("The reporter was told to expect an answer within {days} days.").format(
            days=rt.settings.concern_response_days
        ),
    ]
    buttons = [
        [
            (_("Mark received"), safety_data("focal", "r", row.id)),
            (_("Close"), safety_data("focal", "c", row.id)),
        ],
        [(_("Answer the reporter"), safety_data("focal", "a", row.id))],
    ]
    return Outgoing(text="\n".join(lines), buttons=buttons, protect_content=True, programme=False)


@renderer("concern_status")
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
