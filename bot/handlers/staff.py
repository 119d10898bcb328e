"""Every staff handler, registered in one place: the commands and typed answers here; the
buttons answer through the router (bot/handlers/routing.py) once their module is imported."""

from __future__ import annotations

from telegram.ext import Application

from bot.handlers import (
    facilitator_broadcast,
    facilitator_calendar,  # noqa: F401  (answers buttons only: importing it registers them)
    facilitator_groups,
    facilitator_input,
    facilitator_invite,  # noqa: F401
    facilitator_members,  # noqa: F401
    facilitator_report,
    facilitator_roles,
    facilitator_session,  # noqa: F401
    facilitator_wizard,
    group_chat,
    programme,
    recording_input,
    staff_admin,
)


def register(app: Application) -> None:
    facilitator_wizard.register(app)
    facilitator_roles.register(app)
    facilitator_groups.register(app)
    facilitator_broadcast.register(app)
    facilitator_report.register(app)
    facilitator_input.register(app)
    recording_input.register(app)
    group_chat.register(app)
    staff_admin.register(app)  # /staff: the active staff, and ending a role
    programme.register(app)  # /programme and the monthly summary's job
