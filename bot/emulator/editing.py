"""The Bot API methods that change or delete the bot's messages (a mixin of BotMethods)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.emulator.errors import ApiError, bad_request
from bot.emulator.models import Chat, Json, Message, simplify_keyboard
from bot.emulator.params import Validated
from bot.emulator.sending import formatted_fields
from bot.emulator.state import EmulatorState

DELETE_WINDOW = timedelta(hours=48)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)


class Editing:
    """Handlers for editMessage* and deleteMessage(s)."""

    state: EmulatorState

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
        # Telegram drops the inline keyboard when an edit does not repeat it.
        return self._apply_edit(
            message, v.params.get("reply_markup"), **formatted_fields(v, "text", "entities")
        )

    def edit_message_caption(self, v: Validated) -> Json:
        message = self._editable(v)
        if message.file is None:
            raise bad_request("there is no caption in the message to edit")
        return self._apply_edit(
            message,
            v.params.get("reply_markup"),
            **formatted_fields(v, "caption", "caption_entities"),
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
