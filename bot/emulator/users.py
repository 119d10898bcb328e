"""Simulated users: what they do in Telegram becomes updates for the bot to fetch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.emulator.formatting import bot_command_entities
from bot.emulator.inspection import Inspection
from bot.emulator.models import Chat, Json, Message, SimUser
from bot.emulator.state import EmulatorState


class SimulatedUsers(Inspection):
    """User-side actions of the emulator (mixed into BotAPIEmulator), on top of what can be
    read back: a user handle both acts and reads its chat."""

    state: EmulatorState

    # --- plumbing ------------------------------------------------------------------------

    def _push(self, kind: str, payload: Json) -> None:
        self.state.updates.push(kind, payload)
        self.state.notify()

    def _incoming(
        self, user: SimUser, chat: Chat, kind: str, *, deliver: bool = True, **fields: Any
    ) -> Message:
        """Store a message a user wrote and hand it to the bot as a ``message`` update."""
        if chat.blocked and chat.type == "private":
            self.unblock(user.id)  # writing to a blocked bot means pressing "Restart" first
        self.state.mark_chat_seen(chat)
        message = self.state.add_message(
            chat, from_bot=False, sender_id=user.id, kind=kind, **fields
        )
        if deliver:
            self._push("message", self.state.message_json(message))
        return message

    def _member_update(self, chat: Chat, user: SimUser, old: str, new: str) -> None:
        bot = self.state.bot_json()

        def member(status: str) -> Json:
            # ChatMemberBanned always carries until_date (0: for ever), both old and new.
            return {
                "status": status,
                "user": bot,
                **({"until_date": 0} if status == "kicked" else {}),
            }

        self._push(
            "my_chat_member",
            {
                "chat": chat.to_json(),
                "from": user.to_json(),
                "date": int(self.state.clock().timestamp()),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            },
        )

    def _private(self, user_id: int) -> tuple[SimUser, Chat]:
        user = self.state.user(user_id)
        return user, self.state.private_chat(user)

    # --- users ---------------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> UserHandle:
        """Create or update a simulated user; the handle repeats the actions for that user."""
        self.state.user(
            user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        return UserHandle(self, user_id)

    def send_text(self, user_id: int, text: str, *, reply_to: int | None = None) -> Message:
        """A private message; "/start PAYLOAD" gets its bot_command entity like in Telegram."""
        user, chat = self._private(user_id)
        return self._incoming(
            user,
            chat,
            "text",
            text=text,
            source=text,
            entities=bot_command_entities(text),
            reply_to_message_id=reply_to,
        )

    def edit_text(self, user_id: int, message_id: int, new_text: str) -> Message:
        """The user edits one of their messages: an ``edited_message`` update."""
        _user, chat = self._private(user_id)
        message = chat.messages.get(message_id)
        if message is None or message.from_bot or message.text is None:
            raise AssertionError(f"user {user_id} has no text message {message_id} to edit")
        self.state.mark_chat_seen(chat)
        message.text = message.source = new_text
        message.entities = bot_command_entities(new_text)
        self.state.record_edit(message)
        self._push("edited_message", self.state.message_json(message))
        return message

    def send_voice(
        self,
        user_id: int,
        duration: int = 5,
        *,
        caption: str | None = None,
        file_size: int | None = None,
        data: bytes | None = None,
    ) -> Message:
        user, chat = self._private(user_id)
        size = file_size if file_size is not None else len(data) if data else duration * 2000
        stored = self.state.add_file(
            "voice", data=data, file_size=size, duration=duration, mime_type="audio/ogg"
        )
        return self._incoming(user, chat, "voice", file=stored, caption=caption)

    def send_photo(
        self,
        user_id: int,
        *,
        caption: str | None = None,
        width: int = 1280,
        height: int = 960,
        data: bytes | None = None,
    ) -> Message:
        user, chat = self._private(user_id)
        size = len(data) if data else width * height // 10
        stored = self.state.add_file(
            "photo", data=data, file_size=size, width=width, height=height, mime_type="image/jpeg"
        )
        return self._incoming(user, chat, "photo", file=stored, caption=caption)

    def send_document(
        self,
        user_id: int,
        file_name: str = "document.pdf",
        *,
        data: bytes = b"%PDF-1.4\n",
        mime_type: str = "application/pdf",
        caption: str | None = None,
    ) -> Message:
        user, chat = self._private(user_id)
        stored = self.state.add_file(
            "document", data=data, file_name=file_name, mime_type=mime_type
        )
        return self._incoming(user, chat, "document", file=stored, caption=caption)

    def send_sticker(self, user_id: int, emoji: str = "👍") -> Message:
        user, chat = self._private(user_id)
        stored = self.state.add_file("sticker", file_size=4096, width=512, height=512, emoji=emoji)
        return self._incoming(user, chat, "sticker", file=stored)

    def send_location(
        self, user_id: int, latitude: float = 48.8566, longitude: float = 2.3522
    ) -> Message:
        user, chat = self._private(user_id)
        location = {"latitude": latitude, "longitude": longitude}
        return self._incoming(user, chat, "location", extra={"location": location})

    def press_button(
        self,
        user_id: int,
        message_id: int | None = None,
        callback_data: str | None = None,
        *,
        text: str | None = None,
        chat_id: int | None = None,
    ) -> str:
        """The user taps an inline button; returns the callback query id.

        ``message_id=None`` means the bot's latest message with an inline keyboard. With
        ``text`` the button is looked up by its label and must exist; ``callback_data`` is
        sent as given even if no button carries it, as a modified client can do.
        """
        user = self.state.user(user_id)
        chat = self.state.chats.get(chat_id if chat_id is not None else user_id)
        if chat is None:
            raise AssertionError(f"user {user_id} has no chat {chat_id or user_id} with the bot")
        message = self._pressed_message(chat, message_id)
        data = callback_data if callback_data is not None else self._button_data(message, text)
        self.state.mark_chat_seen(chat)
        query = self.state.new_callback(user_id, chat.id, message.message_id, data)
        self._push(
            "callback_query",
            {
                "id": query.id,
                "from": user.to_json(),
                "message": self.state.message_json(message),
                "chat_instance": str(chat.id),
                "data": data,
            },
        )
        return query.id

    def _pressed_message(self, chat: Chat, message_id: int | None) -> Message:
        if message_id is None:
            with_keyboard = [m for m in self.state.bot_messages(chat.id) if m.reply_markup]
            if not with_keyboard:
                raise AssertionError(f"no bot message with an inline keyboard in chat {chat.id}")
            return with_keyboard[-1]
        message = chat.messages.get(message_id)
        if message is None or message.deleted or not message.from_bot:
            raise AssertionError(f"no live bot message {message_id} in chat {chat.id}")
        return message

    @staticmethod
    def _button_data(message: Message, text: str | None) -> str:
        for label, data in message.buttons:
            if label == text and data is not None:
                return data
        raise AssertionError(
            f"message {message.message_id} has no callback button labelled {text!r}; "
            f"buttons: {message.buttons}"
        )

    def callback_answer(self, query_id: str) -> Json | None:
        """What the bot answered to a callback query (text, show_alert, ...), None if not yet."""
        query = self.state.callbacks.get(query_id)
        if query is None:
            raise KeyError(f"unknown callback query {query_id}")
        return query.answer

    # --- groups and membership -----------------------------------------------------------

    def send_group_text(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        chat_title: str | None = None,
        reply_to: int | None = None,
    ) -> Message:
        """A message in a group chat (negative id). With privacy mode on, as on Telegram by
        default, the bot only receives commands, mentions of it and replies to its messages."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        user = self.state.user(user_id)
        chat = self.state.group_chat(chat_id, chat_title)
        replied = chat.messages.get(reply_to) if reply_to is not None else None
        visible = (
            not self.state.group_privacy
            or text.startswith("/")
            or f"@{self.state.bot_username}".lower() in text.lower()
            or (replied is not None and replied.from_bot)
        )
        return self._incoming(
            user,
            chat,
            "text",
            deliver=visible and chat.bot_is_member,
            text=text,
            source=text,
            entities=bot_command_entities(text),
            reply_to_message_id=reply_to,
        )

    def add_bot_to_group(
        self, chat_id: int, user_id: int, *, chat_title: str | None = None
    ) -> None:
        """``user_id`` adds the bot to a group: my_chat_member plus a new_chat_members message."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        user = self.state.user(user_id)
        chat = self.state.group_chat(chat_id, chat_title)
        chat.bot_is_member = True
        self._member_update(chat, user, "left", "member")
        self._incoming(
            user, chat, "new_chat_members", extra={"new_chat_members": [self.state.bot_json()]}
        )

    def remove_bot_from_group(self, chat_id: int, user_id: int) -> None:
        user = self.state.user(user_id)
        chat = self.state.group_chat(chat_id, None)
        chat.bot_is_member = False
        self._member_update(chat, user, "member", "left")

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends to them now fail with 403."""
        user, chat = self._private(user_id)
        if not chat.blocked:
            chat.blocked = True
            self._member_update(chat, user, "member", "kicked")

    def unblock(self, user_id: int) -> None:
        user, chat = self._private(user_id)
        if chat.blocked:
            chat.blocked = False
            self._member_update(chat, user, "kicked", "member")


@dataclass(slots=True)
class UserHandle:
    """One simulated user: ``ali = emu.user(1001, "Ali", language_code="fr")``."""

    emulator: SimulatedUsers
    id: int

    def send_text(self, text: str, **kwargs: Any) -> Message:
        return self.emulator.send_text(self.id, text, **kwargs)

    def edit_text(self, message_id: int, new_text: str) -> Message:
        return self.emulator.edit_text(self.id, message_id, new_text)

    def press_button(
        self, message_id: int | None = None, callback_data: str | None = None, **kwargs: Any
    ) -> str:
        return self.emulator.press_button(self.id, message_id, callback_data, **kwargs)

    def send_voice(self, duration: int = 5, **kwargs: Any) -> Message:
        return self.emulator.send_voice(self.id, duration, **kwargs)

    def send_photo(self, **kwargs: Any) -> Message:
        return self.emulator.send_photo(self.id, **kwargs)

    def send_document(self, file_name: str = "document.pdf", **kwargs: Any) -> Message:
        return self.emulator.send_document(self.id, file_name, **kwargs)

    def send_sticker(self, emoji: str = "👍") -> Message:
        return self.emulator.send_sticker(self.id, emoji)

    def send_location(self, latitude: float = 48.8566, longitude: float = 2.3522) -> Message:
        return self.emulator.send_location(self.id, latitude, longitude)

    def block(self) -> None:
        self.emulator.block(self.id)

    def unblock(self) -> None:
        self.emulator.unblock(self.id)

    def messages(self) -> list[Message]:
        """The bot's live messages in this user's private chat."""
        return self.emulator.messages(self.id)

    async def wait_for_message(self, predicate: Any = None, timeout: float = 5.0) -> Message:
        return await self.emulator.wait_for_message(self.id, predicate, timeout)
