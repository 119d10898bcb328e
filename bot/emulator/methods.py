"""The Bot API methods the emulator answers with state; the rest answer ``true``.

Each handler receives already validated, coerced parameters and returns the ``result`` of the
answer, or raises ApiError with Telegram's wording.
"""

from __future__ import annotations

import json

from bot.emulator.editing import Editing
from bot.emulator.errors import ApiError, bad_request
from bot.emulator.models import Json
from bot.emulator.params import Validated
from bot.emulator.sending import MEDIA_METHODS, Handler, Sending
from bot.emulator.state import EmulatorState

MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024


def scope_key(scope: Json | None, language_code: str | None) -> tuple[str, str]:
    """Commands are stored per (scope, language); the scope JSON itself is the key."""
    normal = scope if scope else {"type": "default"}
    return json.dumps(normal, sort_keys=True), language_code or ""


class BotMethods(Sending, Editing):
    """Handlers for the methods the emulator models, keyed by Bot API method name."""

    def __init__(self, state: EmulatorState, accept_unknown_file_ids: bool = False) -> None:
        self.state = state
        self.accept_unknown_file_ids = accept_unknown_file_ids
        self.handlers: dict[str, Handler] = {
            "getMe": self.get_me,
            "logOut": lambda v: True,
            "close": lambda v: True,
            "getUpdates": self.get_updates,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "sendMessage": self.send_message,
            "sendLocation": self.send_location,
            "sendChatAction": self.send_chat_action,
            "copyMessage": self.copy_message,
            "forwardMessage": self.forward_message,
            "editMessageText": self.edit_message_text,
            "editMessageCaption": self.edit_message_caption,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "deleteMessages": self.delete_messages,
            "answerCallbackQuery": self.answer_callback_query,
            "getChat": self.get_chat,
            "getChatMember": self.get_chat_member,
            "setChatMenuButton": self.set_chat_menu_button,
            "getChatMenuButton": self.get_chat_menu_button,
            "getFile": self.get_file,
        }
        for method in MEDIA_METHODS:
            self.handlers[method] = self._media_sender(method)

    # --- bot and updates -----------------------------------------------------------------

    def get_me(self, v: Validated) -> Json:
        return {
            **self.state.bot_json(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.state.group_privacy,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def get_updates(self, v: Validated) -> list[Json]:
        if self.state.webhook.url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        p = v.params
        return await self.state.updates.get(
            p.get("offset"), p.get("limit"), p.get("timeout"), p.get("allowed_updates")
        )

    def set_webhook(self, v: Validated) -> bool:
        """From now on updates are posted to the URL (webhook.py); an empty URL removes it."""
        if v.params.get("drop_pending_updates"):
            self.state.updates.drop_pending()
        p = v.params
        self.state.webhook.set(p["url"], p.get("secret_token"), p.get("allowed_updates"))
        return True

    def delete_webhook(self, v: Validated) -> bool:
        if v.params.get("drop_pending_updates"):
            self.state.updates.drop_pending()
        self.state.webhook.set("", None, None)
        return True

    def get_webhook_info(self, v: Validated) -> Json:
        return {**self.state.webhook.info(), "has_custom_certificate": False}

    # --- commands ------------------------------------------------------------------------

    def _check_scope(self, scope: Json | None) -> None:
        """A scope naming a chat needs a chat the bot knows, as on Telegram."""
        if scope and scope.get("type") in ("chat", "chat_administrators", "chat_member"):
            self.state.find_chat(scope.get("chat_id"))

    def set_my_commands(self, v: Validated) -> bool:
        self._check_scope(v.params.get("scope"))
        key = scope_key(v.params.get("scope"), v.params.get("language_code"))
        self.state.commands[key] = [
            {"command": c["command"], "description": c["description"]} for c in v.params["commands"]
        ]
        return True

    def get_my_commands(self, v: Validated) -> list[Json]:
        key = scope_key(v.params.get("scope"), v.params.get("language_code"))
        return list(self.state.commands.get(key, []))

    def delete_my_commands(self, v: Validated) -> bool:
        self._check_scope(v.params.get("scope"))
        key = scope_key(v.params.get("scope"), v.params.get("language_code"))
        self.state.commands.pop(key, None)
        return True

    # --- callbacks, chats, files ---------------------------------------------------------

    def answer_callback_query(self, v: Validated) -> bool:
        query = self.state.callbacks.get(v.params["callback_query_id"])
        if query is None or query.answer is not None:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        query.answer = {
            name: v.params[name]
            for name in ("text", "show_alert", "url", "cache_time")
            if name in v.params
        }
        return True

    def get_chat(self, v: Validated) -> Json:
        chat = self.state.find_chat(v.params["chat_id"])
        return {
            **chat.to_json(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def get_chat_member(self, v: Validated) -> Json:
        chat = self.state.find_chat(v.params["chat_id"])
        user_id = v.params["user_id"]
        if user_id == self.state.bot_id:
            status = "member" if chat.bot_is_member else "left"
            return {"status": status, "user": self.state.bot_json()}
        user = self.state.users.get(user_id)
        if user is None:
            raise bad_request("user not found")
        return {"status": "member", "user": user.to_json()}

    def set_chat_menu_button(self, v: Validated) -> bool:
        button = v.params.get("menu_button") or {"type": "default"}
        if "chat_id" in v.params:
            self.state.find_chat(v.params["chat_id"]).menu_button = button
        else:
            self.state.default_menu_button = button
        return True

    def get_chat_menu_button(self, v: Validated) -> Json:
        if "chat_id" in v.params:
            chat = self.state.find_chat(v.params["chat_id"])
            if chat.menu_button is not None:
                return chat.menu_button
        return self.state.default_menu_button

    def get_file(self, v: Validated) -> Json:
        stored = self.state.files.get(v.params["file_id"])
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.file_size > MAX_DOWNLOAD_SIZE:
            raise bad_request("file is too big")
        return {
            "file_id": v.params["file_id"],
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
            "file_path": stored.file_path,
        }
