"""What tests read back from the emulator, and the helpers that wait for the bot."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from bot.emulator.methods import scope_key
from bot.emulator.models import CallRecord, Json, Message, StoredFile
from bot.emulator.state import EmulatorState

T = TypeVar("T")
MessagePredicate = Callable[[Message], bool]


class Inspection:
    """Read-only views and waiting helpers (mixed into BotAPIEmulator).

    Message lists hold copies: a later edit does not change a list already returned.
    """

    state: EmulatorState

    # --- messages ------------------------------------------------------------------------

    def messages(self, chat_id: int) -> list[Message]:
        """The bot's live (not deleted) messages in the chat, oldest first."""
        return [replace(m) for m in self.state.bot_messages(chat_id)]

    def all_messages(self, chat_id: int) -> list[Message]:
        """The bot's messages in the chat including deleted ones (see ``deleted``)."""
        return [replace(m) for m in self.state.bot_messages(chat_id, include_deleted=True)]

    def history(self, chat_id: int) -> list[Message]:
        """Every message of the chat, the users' included, deleted ones included."""
        chat = self.state.chats.get(chat_id)
        return [replace(m) for m in chat.messages.values()] if chat else []

    def last_message(self, chat_id: int) -> Message | None:
        live = self.state.bot_messages(chat_id)
        return replace(live[-1]) if live else None

    def message(self, chat_id: int, message_id: int) -> Message:
        chat = self.state.chats.get(chat_id)
        if chat is None or message_id not in chat.messages:
            raise KeyError(f"no message {message_id} in chat {chat_id}")
        return replace(chat.messages[message_id])

    def drain(self, chat_id: int) -> list[Message]:
        """The bot messages no wait_for_message/drain has returned yet; marks them read."""
        unread = self.state.unread(chat_id)
        if unread:
            self.state.mark_read(chat_id, unread[-1].message_id)
        for message in unread:
            self.state.mark_edit_seen(message)
        return [replace(m) for m in unread]

    # --- other state ---------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[CallRecord]:
        """Every request received (validated parameters when valid), optionally one method's."""
        if method is None:
            return list(self.state.calls)
        return [c for c in self.state.calls if c.method == method]

    def uploads(self, method: str | None = None) -> int:
        """Requests that carried a file (multipart), optionally one method's, answered or not."""
        return sum(1 for c in self.calls(method) if c.uploads)

    def commands(
        self, scope: Json | str | None = None, language_code: str | None = None
    ) -> list[Json]:
        """The commands set for a scope ({"type": "chat", "chat_id": 5} or "default")."""
        normal = {"type": scope} if isinstance(scope, str) else scope
        return list(self.state.commands.get(scope_key(normal, language_code), []))

    def menu_for(self, chat_id: int, language_code: str | None = None) -> list[Json]:
        """The command menu a person sees in their private chat, resolved as Telegram does:
        the chat's scope, then all private chats, then the default, each first in the
        person's language, then without one."""
        commands = self.state.commands
        for scope in ({"type": "chat", "chat_id": chat_id}, {"type": "all_private_chats"}, None):
            for lang in (language_code, None) if language_code else (None,):
                found = commands.get(scope_key(scope, lang))
                if found:
                    return list(found)
        return []

    def menu_button(self, chat_id: int | None = None) -> Json:
        chat = self.state.chats.get(chat_id) if chat_id is not None else None
        if chat is not None and chat.menu_button is not None:
            return chat.menu_button
        return self.state.default_menu_button

    def file(self, file_id: str) -> StoredFile:
        return self.state.files[file_id]

    # --- waiting -------------------------------------------------------------------------

    async def wait_until(
        self, condition: Callable[[], T | None], timeout: float = 5.0, what: str = "condition"
    ) -> T:
        """Re-check ``condition`` after every emulator event until it returns a truthy value."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = condition()
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {what}; "
                    f"last calls: {self._recent_calls()}"
                )
            await self.state.wait_change(remaining)

    async def wait_for_message(
        self, chat_id: int, predicate: MessagePredicate | None = None, timeout: float = 5.0
    ) -> Message:
        """The first bot message in the chat the test has not seen yet that matches.

        Messages are read like a stream. Seen are: messages returned by an earlier
        wait_for_message/wait_for_messages/drain for this chat, messages skipped over by such
        a call because they did not match, and every message that was already in the chat
        when a simulated user last acted there (the user saw it). So after
        ``send_text(u, "/pause")`` this returns the bot's reply to /pause, while a message
        the bot sent on its own (a scheduled delivery) is returned even if it arrived before
        the call. Deleted messages are part of the stream.
        """

        def find() -> Message | None:
            for message in self.state.unread(chat_id):
                if predicate is None or predicate(message):
                    self.state.mark_read(chat_id, message.message_id)
                    self.state.mark_edit_seen(message)
                    return replace(message)
            return None

        try:
            return await self.wait_until(find, timeout, f"a bot message in chat {chat_id}")
        except AssertionError:
            seen = [(m.message_id, m.kind, m.content[:80]) for m in self.state.unread(chat_id)]
            raise AssertionError(
                f"no bot message in chat {chat_id} matched within {timeout}s; "
                f"unread bot messages: {seen}; last calls: {self._recent_calls()}"
            ) from None

    async def wait_for_messages(
        self, chat_id: int, count: int, timeout: float = 5.0
    ) -> list[Message]:
        """The next ``count`` bot messages in the chat (stream semantics as above)."""

        def enough() -> list[Message] | None:
            unread = self.state.unread(chat_id)
            if len(unread) < count:
                return None
            self.state.mark_read(chat_id, unread[count - 1].message_id)
            for message in unread[:count]:
                self.state.mark_edit_seen(message)
            return [replace(m) for m in unread[:count]]

        return await self.wait_until(enough, timeout, f"{count} bot messages in chat {chat_id}")

    async def wait_for_edit(
        self,
        chat_id: int,
        message_id: int,
        predicate: MessagePredicate | None = None,
        timeout: float = 5.0,
    ) -> Message:
        """The message once edited (by the bot) since the test or a user last saw it.

        An edit counts as seen once returned here or by wait_for_message, or when a simulated
        user acted in the chat after it: pressing a button and then calling this waits for
        the edit the press causes.
        """

        def find() -> Message | None:
            message = self.state.unseen_edit(chat_id, message_id)
            if message is None or (predicate is not None and not predicate(message)):
                return None
            self.state.mark_edit_seen(message)
            return replace(message)

        try:
            return await self.wait_until(find, timeout, f"an edit of message {message_id}")
        except AssertionError:
            chat = self.state.chats.get(chat_id)
            current = chat.messages.get(message_id) if chat else None
            shown = (
                None
                if current is None
                else (
                    current.content[:80],
                    "deleted" if current.deleted else "live",
                    f"revision {current.revision}",
                )
            )
            raise AssertionError(
                f"message {message_id} in chat {chat_id} was not edited within {timeout}s; "
                f"now: {shown}; last calls: {self._recent_calls()}"
            ) from None

    async def wait_for_callback_answer(self, query_id: str, timeout: float = 5.0) -> Json:
        query = self.state.callbacks[query_id]
        await self.wait_until(
            lambda: query.answer is not None, timeout, f"an answer to callback query {query_id}"
        )
        return query.answer or {}

    async def wait_idle(self, quiet: float = 0.05, timeout: float = 5.0) -> None:
        """Wait until every update was fetched and no request came for ``quiet`` seconds.

        Long polls (getUpdates) do not count as activity. Updates are fetched only if the bot
        polls, so call this with a running Application.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            state = self.state
            idle_for = time.monotonic() - state.last_activity
            if state.in_flight == 0 and state.updates.pending_count == 0 and idle_for >= quiet:
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"not idle after {timeout}s: {state.in_flight} requests in flight, "
                    f"{state.updates.pending_count} updates pending"
                )
            await asyncio.sleep(min(remaining, max(quiet - idle_for, 0.005)))

    def _recent_calls(self, count: int = 5) -> list[tuple[str, int, str | None]]:
        return [(c.method, c.status, c.description) for c in self.state.calls[-count:]]
