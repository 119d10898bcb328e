"""The emulator's in-memory world: chats, messages, files, callback queries, updates."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bot.emulator.errors import bad_request
from bot.emulator.models import (
    CallbackQuery,
    CallRecord,
    Chat,
    Json,
    Message,
    SimUser,
    StoredFile,
)
from bot.emulator.updates import UpdateQueue
from bot.emulator.webhook import WebhookDelivery

Clock = Callable[[], datetime]

_FILE_EXTENSIONS = {
    "voice": "oga",
    "audio": "mp3",
    "photo": "jpg",
    "document": "bin",
    "video": "mp4",
    "animation": "mp4",
    "sticker": "webp",
    "video_note": "mp4",
}
_FILE_FOLDERS = {"photo": "photos", "document": "documents", "sticker": "stickers"}


def utc_now() -> datetime:
    return datetime.now(UTC)


class EmulatorState:
    """Everything the emulator remembers; all of it in memory, nothing on disk."""

    def __init__(
        self,
        bot_id: int,
        bot_username: str,
        bot_name: str,
        clock: Clock,
        group_privacy: bool = True,
        auto_chats: bool = False,
    ) -> None:
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.clock = clock
        # Telegram's default privacy mode: in groups the bot only sees commands, replies to
        # its own messages and mentions of it.
        self.group_privacy = group_privacy
        # Benchmarks: a send to an unknown positive id opens that user's private chat, as if
        # every seeded person had pressed Start (Telegram itself answers "chat not found").
        self.auto_chats = auto_chats
        self.users: dict[int, SimUser] = {}
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self.callbacks: dict[str, CallbackQuery] = {}
        self.commands: dict[tuple[str, str], list[Json]] = {}
        self.default_menu_button: Json = {"type": "default"}
        self.calls: list[CallRecord] = []
        self.in_flight = 0  # requests being answered, long polls excluded
        self.peak_in_flight = 0  # the most at once since the last reset_counters()
        self.last_activity = 0.0  # time.monotonic() of the last request, long polls excluded
        self.updates = UpdateQueue()
        self.webhook = WebhookDelivery(self.updates, lambda: self.clock(), self.notify)
        self._file_counter = 0
        self._callback_counter = 0
        self._changed = asyncio.Event()
        # What the test has "seen", for the waiting helpers: per chat the last bot message id,
        # per message the last revision; a simulated user's action sees the whole chat.
        self._read_cursor: dict[int, int] = {}
        self._edit_seen: dict[tuple[int, int], int] = {}
        self._edit_seen_in_chat: dict[int, int] = {}
        self._edit_sequence = 0

    # --- change notification (for the waiting helpers) -----------------------------------

    def notify(self) -> None:
        self._changed.set()

    async def wait_change(self, timeout: float) -> None:
        self._changed.clear()
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except TimeoutError:
            pass

    # --- users and chats -----------------------------------------------------------------

    def bot_json(self) -> Json:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_name,
            "username": self.bot_username,
        }

    def user(self, user_id: int, **details: Any) -> SimUser:
        """The simulated user ``user_id``, created on first mention; details update it."""
        known = self.users.get(user_id)
        if known is None:
            known = SimUser(
                id=user_id, first_name=details.pop("first_name", None) or f"User{user_id}"
            )
            self.users[user_id] = known
        for name, value in details.items():
            if value is not None:
                setattr(known, name, value)
        return known

    def private_chat(self, user: SimUser) -> Chat:
        chat = self.chats.get(user.id)
        if chat is None:
            chat = Chat(id=user.id, type="private", user=user)
            self.chats[user.id] = chat
        return chat

    def group_chat(self, chat_id: int, title: str | None) -> Chat:
        chat = self.chats.get(chat_id)
        if chat is None:
            chat = Chat(id=chat_id, type="group", title=title or f"Group {chat_id}")
            self.chats[chat_id] = chat
        elif title:
            chat.title = title
        return chat

    def find_chat(self, chat_id: object) -> Chat:
        """The chat a Bot API call names, or Telegram's "chat not found"."""
        chat: Chat | None = None
        if isinstance(chat_id, int):
            chat = self.chats.get(chat_id)
            if chat is None and self.auto_chats and chat_id > 0:
                chat = self.private_chat(self.user(chat_id))
        elif isinstance(chat_id, str) and chat_id.startswith("@"):
            name = chat_id[1:].lower()
            chat = next(
                (
                    c
                    for c in self.chats.values()
                    if c.user is not None and (c.user.username or "").lower() == name
                ),
                None,
            )
        if chat is None:
            raise bad_request("chat not found")
        return chat

    # --- messages ------------------------------------------------------------------------

    def add_message(
        self, chat: Chat, *, from_bot: bool, sender_id: int, kind: str, **fields: Any
    ) -> Message:
        """Store a new message with the chat's next id (ids are shared by both sides)."""
        message = Message(
            message_id=chat.next_message_id,
            chat_id=chat.id,
            kind=kind,
            date=self.clock(),
            from_bot=from_bot,
            sender_id=sender_id,
            **fields,
        )
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        return message

    def message_json(self, message: Message) -> Json:
        """The Message object as the Bot API returns it."""
        chat = self.chats[message.chat_id]
        sender = self.bot_json() if message.from_bot else self.users[message.sender_id].to_json()
        out: Json = {
            "message_id": message.message_id,
            "date": int(message.date.timestamp()),
            "chat": chat.to_json(),
            "from": sender,
        }
        if message.text is not None:
            out["text"] = message.text
            if message.entities:
                out["entities"] = message.entities
        if message.caption is not None:
            out["caption"] = message.caption
            if message.entities:
                out["caption_entities"] = message.entities
        if message.file is not None:
            if message.kind == "photo":
                out["photo"] = message.file.photo_sizes()
            else:
                out[message.kind] = message.file.to_json()
        out.update(message.extra)
        if message.raw_reply_markup and "inline_keyboard" in message.raw_reply_markup:
            out["reply_markup"] = message.raw_reply_markup
        if message.protect_content:
            out["has_protected_content"] = True
        if message.edit_date is not None:
            out["edit_date"] = int(message.edit_date.timestamp())
        if message.reply_to_message_id is not None:
            replied = chat.messages.get(message.reply_to_message_id)
            if replied is not None and not replied.deleted:
                out["reply_to_message"] = self.message_json(replied)
        return out

    def bot_messages(self, chat_id: int, include_deleted: bool = False) -> list[Message]:
        chat = self.chats.get(chat_id)
        if chat is None:
            return []
        return [
            m for m in chat.messages.values() if m.from_bot and (include_deleted or not m.deleted)
        ]

    def unread(self, chat_id: int) -> list[Message]:
        """Bot messages in the chat that no wait_for_message/drain call has returned yet."""
        cursor = self._read_cursor.get(chat_id, 0)
        return [
            m for m in self.bot_messages(chat_id, include_deleted=True) if m.message_id > cursor
        ]

    def mark_read(self, chat_id: int, message_id: int) -> None:
        self._read_cursor[chat_id] = max(self._read_cursor.get(chat_id, 0), message_id)

    def mark_chat_seen(self, chat: Chat) -> None:
        """A user acting in the chat has seen every message and edit in it so far."""
        self.mark_read(chat.id, chat.next_message_id - 1)
        self._edit_seen_in_chat[chat.id] = self._edit_sequence

    def record_edit(self, message: Message) -> None:
        self._edit_sequence += 1
        message.revision = self._edit_sequence
        message.edited = True
        message.edit_date = self.clock()

    def unseen_edit(self, chat_id: int, message_id: int) -> Message | None:
        """The message if it was edited since the test or a user last saw it."""
        chat = self.chats.get(chat_id)
        message = chat.messages.get(message_id) if chat else None
        if message is None:
            return None
        seen = max(
            self._edit_seen.get((chat_id, message_id), 0), self._edit_seen_in_chat.get(chat_id, 0)
        )
        return message if message.revision > seen else None

    def mark_edit_seen(self, message: Message) -> None:
        key = (message.chat_id, message.message_id)
        self._edit_seen[key] = max(self._edit_seen.get(key, 0), message.revision)

    # --- files and callback queries ------------------------------------------------------

    def add_file(
        self, kind: str, *, data: bytes | None = None, file_size: int | None = None, **details: Any
    ) -> StoredFile:
        self._file_counter += 1
        number = self._file_counter
        extension = _FILE_EXTENSIONS.get(kind, "bin")
        folder = _FILE_FOLDERS.get(kind, kind)
        stored = StoredFile(
            file_id=f"{kind.upper()}-{number:06d}-{self.bot_id}",
            file_unique_id=f"U{number:06d}",
            kind=kind,
            file_size=file_size if file_size is not None else len(data or b""),
            file_path=f"{folder}/file_{number}.{extension}",
            data=data,
            **details,
        )
        self.files[stored.file_id] = stored
        if kind == "photo":
            self.files[f"{stored.file_id}-s"] = stored  # the thumbnail size's id
        return stored

    def new_callback(
        self, user_id: int, chat_id: int, message_id: int, data: str | None
    ) -> CallbackQuery:
        self._callback_counter += 1
        query = CallbackQuery(
            id=f"{user_id}{self._callback_counter:08d}",
            user_id=user_id,
            chat_id=chat_id,
            message_id=message_id,
            data=data,
        )
        self.callbacks[query.id] = query
        return query
