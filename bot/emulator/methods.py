"""The Bot API methods the emulator answers with state; the rest answer ``true``.

Each handler receives already validated, coerced parameters and returns the ``result`` of the
answer, or raises ApiError with Telegram's wording.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

from bot.emulator.formatting import FormattedText
from bot.emulator.models import Chat, Json, Message, StoredFile, simplify_keyboard
from bot.emulator.spec import ApiError, UploadedFile, Validated, bad_request
from bot.emulator.state import EmulatorState

DELETE_WINDOW = timedelta(hours=48)
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
# sendX method -> (message kind, parameter carrying the file, default MIME type)
MEDIA_METHODS: dict[str, tuple[str, str, str | None]] = {
    "sendPhoto": ("photo", "photo", None),
    "sendVoice": ("voice", "voice", "audio/ogg"),
    "sendAudio": ("audio", "audio", "audio/mpeg"),
    "sendDocument": ("document", "document", "application/octet-stream"),
    "sendVideo": ("video", "video", "video/mp4"),
    "sendAnimation": ("animation", "animation", "video/mp4"),
    "sendVideoNote": ("video_note", "video_note", "video/mp4"),
    "sendSticker": ("sticker", "sticker", None),
}

Handler = Callable[[Validated], Any]


def scope_key(scope: Json | None, language_code: str | None) -> tuple[str, str]:
    """Commands are stored per (scope, language); the scope JSON itself is the key."""
    normal = scope if scope else {"type": "default"}
    return json.dumps(normal, sort_keys=True), language_code or ""


class BotMethods:
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
        if self.state.webhook_url:
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
        self.state.webhook_url = v.params["url"]
        if v.params.get("drop_pending_updates"):
            self.state.updates.drop_pending()
        return True

    def delete_webhook(self, v: Validated) -> bool:
        self.state.webhook_url = ""
        if v.params.get("drop_pending_updates"):
            self.state.updates.drop_pending()
        return True

    def get_webhook_info(self, v: Validated) -> Json:
        return {
            "url": self.state.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": self.state.updates.pending_count,
        }

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

    # --- sending -------------------------------------------------------------------------

    def _target(self, chat_id: object) -> Chat:
        """The chat the bot may post into, or the error Telegram gives."""
        chat = self.state.find_chat(chat_id)
        if chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if not chat.bot_is_member:
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")
        return chat

    def _reply_to(self, chat: Chat, p: Json) -> int | None:
        reply = p.get("reply_parameters")
        if not reply:
            return None
        target = chat.messages.get(reply["message_id"])
        if target is None or target.deleted:
            if reply.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        return int(reply["message_id"])

    def _post(self, chat: Chat, kind: str, p: Json, **fields: Any) -> Message:
        """Store a message from the bot with the options every send method shares."""
        markup = p.get("reply_markup")
        message = self.state.add_message(
            chat,
            from_bot=True,
            sender_id=self.state.bot_id,
            kind=kind,
            reply_markup=simplify_keyboard(markup),
            raw_reply_markup=markup,
            protect_content=bool(p.get("protect_content", False)),
            disable_notification=bool(p.get("disable_notification", False)),
            reply_to_message_id=self._reply_to(chat, p),
            **fields,
        )
        return message

    def send_message(self, v: Validated) -> Json:
        chat = self._target(v.params["chat_id"])
        text = _formatted(v, "text", "entities")
        message = self._post(
            chat,
            "text",
            v.params,
            text=text.text,
            entities=text.entities,
            source=v.params["text"],
            parse_mode=v.params.get("parse_mode"),
        )
        return self.state.message_json(message)

    def send_location(self, v: Validated) -> Json:
        chat = self._target(v.params["chat_id"])
        location = {"latitude": v.params["latitude"], "longitude": v.params["longitude"]}
        message = self._post(chat, "location", v.params, extra={"location": location})
        return self.state.message_json(message)

    def send_chat_action(self, v: Validated) -> bool:
        self._target(v.params["chat_id"])
        return True

    def _media_sender(self, method: str) -> Handler:
        kind, parameter, default_mime = MEDIA_METHODS[method]

        def send(v: Validated) -> Json:
            chat = self._target(v.params["chat_id"])
            stored = self._file_for(kind, v.params[parameter], v.params, default_mime)
            fields: dict[str, Any] = {"file": stored}
            if "caption" in v.params:
                caption = _formatted(v, "caption", "caption_entities")
                fields.update(
                    caption=caption.text,
                    entities=caption.entities,
                    source=v.params["caption"],
                    parse_mode=v.params.get("parse_mode"),
                )
            message = self._post(chat, kind, v.params, **fields)
            return self.state.message_json(message)

        return send

    def _file_for(self, kind: str, value: object, p: Json, default_mime: str | None) -> StoredFile:
        """A stored file for an upload, a known file_id or an HTTP URL."""
        details: dict[str, Any] = {
            "duration": p.get("duration"),
            "width": p.get("width"),
            "height": p.get("height"),
        }
        if isinstance(value, UploadedFile):
            mime = value.content_type
            if mime == "application/octet-stream":
                mime = mimetypes.guess_type(value.filename)[0] or default_mime or mime
            return self.state.add_file(
                kind, data=value.data, file_name=value.filename, mime_type=mime, **details
            )
        assert isinstance(value, str)
        known = self.state.files.get(value)
        if known is not None:
            return known
        if value.startswith(("http://", "https://")) or self.accept_unknown_file_ids:
            name = urlparse(value).path.rsplit("/", 1)[-1] or None
            return self.state.add_file(
                kind, file_name=name, mime_type=default_mime, file_size=0, **details
            )
        raise bad_request("wrong file identifier/HTTP URL specified")

    def copy_message(self, v: Validated) -> Json:
        source = self._source(v)
        chat = self._target(v.params["chat_id"])
        fields = _copied_fields(source)
        if "caption" in v.params and source.kind != "text":
            caption = _formatted(v, "caption", "caption_entities")
            fields.update(
                caption=caption.text,
                entities=caption.entities,
                source=v.params["caption"],
                parse_mode=v.params.get("parse_mode"),
            )
        message = self._post(chat, source.kind, v.params, **fields)
        return {"message_id": message.message_id}

    def forward_message(self, v: Validated) -> Json:
        source = self._source(v)
        chat = self._target(v.params["chat_id"])
        fields = _copied_fields(source)
        sender = (
            self.state.bot_json()
            if source.from_bot
            else self.state.users[source.sender_id].to_json()
        )
        fields["extra"] = {
            **fields["extra"],
            "forward_origin": {
                "type": "user",
                "date": int(source.date.timestamp()),
                "sender_user": sender,
            },
        }
        message = self._post(chat, source.kind, {**v.params, "reply_markup": None}, **fields)
        return self.state.message_json(message)

    def _source(self, v: Validated) -> Message:
        from_chat = self.state.find_chat(v.params["from_chat_id"])
        source = from_chat.messages.get(v.params["message_id"])
        if source is None or source.deleted:
            raise bad_request("message to copy not found")
        return source

    # --- editing and deleting ------------------------------------------------------------

    def _editable(self, v: Validated) -> Message:
        p = v.params
        if "inline_message_id" in p:
            raise bad_request("MESSAGE_ID_INVALID")  # inline mode is not emulated
        if "chat_id" not in p:
            raise bad_request("chat_id is empty")
        if "message_id" not in p:
            raise bad_request("message identifier is not specified")
        chat = self.state.find_chat(p["chat_id"])
        message = chat.messages.get(p["message_id"])
        if message is None or message.deleted:
            raise bad_request("message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return message

    def _apply_edit(self, message: Message, markup: Json | None, **fields: Any) -> Json:
        unchanged = markup == message.raw_reply_markup and all(
            getattr(message, name) == value for name, value in fields.items()
        )
        if unchanged:
            raise bad_request(NOT_MODIFIED)
        for name, value in fields.items():
            setattr(message, name, value)
        message.raw_reply_markup = markup
        message.reply_markup = simplify_keyboard(markup)
        self.state.record_edit(message)
        return self.state.message_json(message)

    def edit_message_text(self, v: Validated) -> Json:
        message = self._editable(v)
        if "text" not in v.params:
            raise bad_request("message text is empty")
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        text = _formatted(v, "text", "entities")
        # Telegram drops the inline keyboard when an edit does not repeat it.
        return self._apply_edit(
            message,
            v.params.get("reply_markup"),
            text=text.text,
            entities=text.entities,
            source=v.params["text"],
            parse_mode=v.params.get("parse_mode"),
        )

    def edit_message_caption(self, v: Validated) -> Json:
        message = self._editable(v)
        if message.file is None:
            raise bad_request("there is no caption in the message to edit")
        caption = _formatted(v, "caption", "caption_entities")
        return self._apply_edit(
            message,
            v.params.get("reply_markup"),
            caption=caption.text,
            entities=caption.entities,
            source=v.params.get("caption"),
            parse_mode=v.params.get("parse_mode"),
        )

    def edit_message_reply_markup(self, v: Validated) -> Json:
        message = self._editable(v)
        return self._apply_edit(message, v.params.get("reply_markup"))

    def _deletable(self, chat: Chat, message_id: int) -> Message:
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            raise bad_request("message to delete not found")
        if self.state.clock() - message.date > DELETE_WINDOW:
            raise bad_request("message can't be deleted")
        if chat.type != "private" and not message.from_bot:
            raise bad_request("message can't be deleted")  # the bot is no group admin here
        return message

    def delete_message(self, v: Validated) -> bool:
        chat = self.state.find_chat(v.params["chat_id"])
        self._deletable(chat, v.params["message_id"]).deleted = True
        return True

    def delete_messages(self, v: Validated) -> bool:
        chat = self.state.find_chat(v.params["chat_id"])
        for message_id in v.params["message_ids"]:
            try:
                self._deletable(chat, message_id).deleted = True
            except ApiError:
                continue  # Telegram skips the ones it cannot delete
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


def _formatted(v: Validated, name: str, entities_name: str) -> FormattedText:
    """A text field as the user sees it: parsed by parse_mode or with explicit entities."""
    parsed = v.formatted.get(name)
    raw = v.params.get(name)
    if parsed is None:
        parsed = FormattedText(raw if isinstance(raw, str) else "")
    if not parsed.entities and v.params.get(entities_name):
        return FormattedText(parsed.text, list(v.params[entities_name]))
    return parsed


def _copied_fields(source: Message) -> dict[str, Any]:
    return {
        "text": source.text,
        "caption": source.caption,
        "entities": list(source.entities),
        "source": source.source,
        "parse_mode": source.parse_mode,
        "file": source.file,
        "extra": dict(source.extra),
    }
