"""Staff buttons keep the wire format of the buttons already in facilitators' chats, unpack
strictly, and every one of them has a handler."""

from __future__ import annotations

import pytest

from bot.domain.buttons import Button, families, group_actions, pages, staff, unpack
from bot.domain.buttons.group_actions import (
    GROUP_ACTIONS,
    GroupMenu,
    GuideHours,
    PartnerLink,
    RemoveMemberConfirmed,
    RenewInviteConfirmed,
    ToggleSetting,
)
from bot.domain.buttons.pages import FacilitatorGroupsPage, MembersPage, PickPage
from bot.domain.buttons.staff import (
    CancelBroadcast,
    ConductAnswer,
    ExportFor,
    ExportWeeks,
    InvitationMembers,
    InviteFacilitator,
    InvitePartnerOf,
    RemindAt,
    SendBroadcast,
    SessionAttendance,
    SessionHeld,
    WizardAnswer,
)
from bot.handlers import partner_staff, routing  # noqa: F401  (partner_staff: its handlers)
from bot.handlers import staff as staff_handlers  # noqa: F401  (every other staff module)

# What earlier versions sent, written out: a change here breaks buttons people already have.
WIRE: list[tuple[Button, str]] = [
    (GroupMenu(12), "fg:12:m"),
    (RenewInviteConfirmed(12), "fg:12:iry"),
    (RemoveMemberConfirmed(12, 345), "fg:12:dy:345"),
    (PartnerLink(12, 345), "fg:12:pm:345"),
    (ToggleSetting(12, "reminder_1h"), "fg:12:t:1"),
    (ToggleSetting(12, "weekly_summary"), "fg:12:t:2"),
    (GuideHours(12, 48), "fg:12:gh:48"),
    (SessionHeld(12, 3, False), "sl:12:3:n"),
    (SessionAttendance(12, 3, 90, confirmed=True), "sn:12:3:90:c"),
    (SendBroadcast(7), "bc:7:y"),
    (CancelBroadcast(7), "bc:7:n"),
    (ExportFor(12), "pk:e:12"),
    (RemindAt(12, "mb"), "rw:12:mb"),
    (ExportWeeks(12, "12w"), "ex:12:12w"),
    (WizardAnswer("tz", "Africa/Bamako"), "nw:tz:Africa/Bamako"),
    (ConductAnswer("Ab3_x-9", False), "fc:Ab3_x-9:x"),
    (InviteFacilitator(None), "fi:0"),
    (InviteFacilitator(12), "fi:12"),
    (InvitationMembers(12), "kg:12"),
    (InvitePartnerOf(12, 345), "km:12:345"),
    (MembersPage(12, 2), "pg:m:2:12"),
    (PickPage("b", 1), "pg:b:1"),
    (FacilitatorGroupsPage(3), "pg:f:3"),
]


@pytest.mark.parametrize(("button", "data"), WIRE, ids=[d for _b, d in WIRE])
def test_staff_buttons_keep_their_wire_format(button: Button, data: str) -> None:
    assert button.pack() == data
    assert unpack(data) == button


@pytest.mark.parametrize(
    "data",
    [
        "fg:12:t:3",  # no fourth setting
        "fg:12:gh:25",  # not one of the guide's lead times
        "fg:12:d",  # a removal names the member
        "fg:12:m:3",  # the menu names none
        "fg:12:zz",  # no such action
        "fg:12:m\n",
        "pg:g:1:5",  # /groups is not one group's list
        "pg:m:1",  # a member list is
        "bc:7:x",
        "pk:z:12",
        "sn:12:3:1000",
        "fi:",
    ],
)
def test_forged_staff_buttons_unpack_to_nothing(data: str) -> None:
    assert unpack(data) is None


def test_every_group_action_has_its_own_code() -> None:
    assert len(set(GROUP_ACTIONS)) == len(GROUP_ACTIONS) == len(group_actions.group_actions())


def test_every_staff_button_has_a_handler() -> None:
    staff_families = {
        f.__name__
        for f in families()
        if f.__module__ in (staff.__name__, group_actions.__name__, pages.__name__)
    }
    assert staff_families and staff_families.isdisjoint(routing.unanswered())
