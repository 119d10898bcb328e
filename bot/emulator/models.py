"""What the emulator remembers: simulated users, chats, messages, files, calls, callbacks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

Json = dict[str, Any]
Button = tuple[str, str | None]


@dataclass(slots=True)
class SimUser:
    """A simulated Telegram user talking to the bot."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None

    def to_json(self) -> Json:
        out: Json = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            out["last_name"] = self.last_name
        if self.username:
            out["username"] = self.username
        if self.language_code:
            out["language_code"] = self.language_code
        return out


@dataclass(slots=True)
class Chat:
    id: int
    type: str  # "private" or "group"
    title: str | None = None
    user: SimUser | None = None  # the other side of a private chat
    blocked: bool = False  # the user blocked the bot
    bot_is_member: bool = True
    next_message_id: int = 1
    messages: dict[int, Message] = field(default_factory=dict)
    menu_button: Json | None = None

    def to_json(self) -> Json:
        out: Json = {"id": self.id, "type": self.type}
        if self.user is not None:
            out["first_name"] = self.user.first_name
            if self.user.last_name:
                out["last_name"] = self.user.last_name
            if self.user.username:
                out["username"] = self.user.username
        if self.title is not None:
            out["title"] = self.title
        return out


@dataclass(slots=True)
class StoredFile:
    """A file known to the emulator: uploaded by the bot or sent by a simulated user."""

    file_id: str
    file_unique_id: str
    kind: str  # photo, voice, audio, document, video, animation, sticker, video_note
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int = 0
    duration: int | None = None
    width: int | None = None
    height: int | None = None
    file_path: str = ""
    emoji: str | None = None  # stickers only
    data: bytes | None = field(default=None, repr=False)

    def to_json(self) -> Json:
        """The object Telegram puts in a message (Voice, Document, ...), photo excluded."""
        out: Json = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        if self.file_size:
            out["file_size"] = self.file_size
        if self.kind in ("voice", "audio", "video", "animation", "video_note"):
            out["duration"] = self.duration or 0
        if self.kind in ("video", "animation", "sticker"):
            out["width"] = self.width or 512
            out["height"] = self.height or 512
        if self.kind == "video_note":
            out["length"] = self.width or 240
        if self.kind == "sticker":
            out.update({"type": "regular", "is_animated": False, "is_video": False})
            if self.emoji:
                out["emoji"] = self.emoji
        if self.file_name and self.kind in ("audio", "document", "video", "animation"):
            out["file_name"] = self.file_name
        if self.mime_type and self.kind != "sticker":
            out["mime_type"] = self.mime_type
        return out

    def photo_sizes(self) -> list[Json]:
        width, height = self.width or 1280, self.height or 960
        return [
            {
                "file_id": f"{self.file_id}-s",
                "file_unique_id": f"{self.file_unique_id}-s",
                "width": max(1, width // 4),
                "height": max(1, height // 4),
                "file_size": max(1, self.file_size // 16),
            },
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "width": width,
                "height": height,
                "file_size": self.file_size,
            },
        ]


@dataclass(slots=True)
class Message:
    """One message in a chat, from the bot or from a simulated user.

    ``text``/``caption`` are what the user sees (HTML already parsed into ``entities``);
    ``source`` is the text as the bot sent it. ``reply_markup`` is the inline keyboard as rows
    of (button text, callback_data or url); ``raw_reply_markup`` is the JSON as sent.
    """

    message_id: int
    chat_id: int
    kind: str  # text, photo, voice, audio, document, video, animation, sticker, location, ...
    date: datetime
    from_bot: bool
    sender_id: int
    text: str | None = None
    caption: str | None = None
    source: str | None = None
    parse_mode: str | None = None
    entities: list[Json] = field(default_factory=list)
    reply_markup: list[list[Button]] | None = None
    raw_reply_markup: Json | None = None
    protect_content: bool = False
    disable_notification: bool = False
    edited: bool = False
    edit_date: datetime | None = None
    revision: int = 0  # emulator-wide sequence number of the latest edit; 0 if never edited
    deleted: bool = False
    file: StoredFile | None = None
    reply_to_message_id: int | None = None
    extra: Json = field(default_factory=dict)  # kind-specific fields, e.g. location

    @property
    def content(self) -> str:
        """Text or caption, whichever the message has."""
        return self.text if self.text is not None else (self.caption or "")

    @property
    def buttons(self) -> list[Button]:
        """All inline buttons, row after row."""
        return [button for row in self.reply_markup or [] for button in row]

    def button_data(self, label: str) -> str | None:
        """The callback_data of the button whose text is ``label``."""
        for text, data in self.buttons:
            if text == label:
                return data
        raise KeyError(f"no button {label!r} in message {self.message_id}")


def simplify_keyboard(markup: Json | None) -> list[list[Button]] | None:
    if not markup or "inline_keyboard" not in markup:
        return None
    rows: list[list[Button]] = []
    for row in markup["inline_keyboard"]:
        simple: list[Button] = []
        for button in row:
            value = button.get("callback_data", button.get("url"))
            simple.append((button["text"], value if isinstance(value, str) else None))
        rows.append(simple)
    return rows


@dataclass(slots=True)
class CallRecord:
    """One Bot API request as the emulator saw and answered it."""

    method: str
    params: Json
    time: float  # time.monotonic() at arrival
    status: int = 200
    description: str | None = None
    duration: float = 0.0
    uploads: int = 0  # files attached as multipart parts (what a 5,000-member week must not cost)


@dataclass(slots=True)
class CallbackQuery:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str | None
    answer: Json | None = None  # what answerCallbackQuery said, once answered
