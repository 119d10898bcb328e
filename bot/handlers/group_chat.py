"""The group's own Telegram chat: /link CODE there, and nothing else is read.

The bot keeps Telegram's privacy mode on, so in a group it receives only commands addressed to
it; the only one it answers is /link. Removing the bot from the chat unlinks it.
"""

from __future__ import annotations

import html

from telegram import ChatMemberUpdated, Update
from telegram.constants import ChatMemberStatus
from telegram.ext import Application, ChatMemberHandler, CommandHandler, ContextTypes, filters

from bot.handlers.common import reply, rt
from bot.i18n import _
from bot.services import group_admin
from bot.storage.invites import CODE_PATTERN


async def link_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    code = context.args[0] if context.args and len(context.args) == 1 else ""
    g = None
    if CODE_PATTERN.match(code):
        g = await group_admin.link_chat(rt(context), user.id, code, chat.id)
    if g is None:
        await reply(
            update,
            _(
                "This code does not work. The group's facilitator can get a new one in their "
                "private chat with Foyer: /groups, then Link the group chat."
            ),
        )
        return
    await reply(
        update,
        _(
            "This chat is now linked to <b>{group}</b>. Foyer will post the meeting reminders "
            "and the week's discussion question here. It reads nothing else in this chat."
        ).format(group=html.escape(g.name)),
    )


async def on_membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None or change.chat.type == "private":
        return
    if change.new_chat_member.status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
        await group_admin.unlink_chat(rt(context), change.chat.id)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("link", link_command, filters=filters.ChatType.GROUPS))
    # Its own handler group: a private chat's member updates stay free for other handlers.
    app.add_handler(ChatMemberHandler(on_membership, ChatMemberHandler.MY_CHAT_MEMBER), group=1)
