"""The Bot API emulator, exercised through python-telegram-bot's real Bot and Application."""

from __future__ import annotations

import asyncio
import json
import ssl
import time
import warnings
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import trustme
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from bot.emulator import BotAPIEmulator
from bot.emulator import Message as EmulatedMessage
from bot.emulator.http import HttpServer, Request, Response

USER = 1001
# PTB 22 itself warns while building RetryAfter (int -> timedelta transition).
IGNORE_RETRY_AFTER_DEPRECATION = pytest.mark.filterwarnings(
    "ignore::telegram.warnings.PTBDeprecationWarning"
)


@pytest.fixture
async def emu() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator() as emulator:
        yield emulator


@pytest.fixture
async def bot(emu: BotAPIEmulator) -> AsyncIterator[Bot]:
    client = Bot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url)
    async with client:
        emu.send_text(USER, "/start")  # a chat exists only once the user wrote to the bot
        yield client


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


def seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns about the int/timedelta transition
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


# --- basics ---------------------------------------------------------------------------------


async def test_get_me(bot: Bot, emu: BotAPIEmulator) -> None:
    me = await bot.get_me()
    assert me.username == "foyer_test_bot"
    assert me.id == 123456
    assert me.is_bot


async def test_wrong_token_is_unauthorized(emu: BotAPIEmulator) -> None:
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"http://127.0.0.1:{emu.port}/bot999:WRONG/getMe")
    assert answer.status_code == 401
    assert answer.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_send_and_edit_with_inline_keyboard(bot: Bot, emu: BotAPIEmulator) -> None:
    sent = await bot.send_message(
        USER,
        "<b>Week 1</b> is ready",
        parse_mode="HTML",
        protect_content=True,
        reply_markup=keyboard([("Yes", "yes"), ("No", "no")]),
    )
    assert sent.text == "Week 1 is ready"
    assert sent.entities[0].type == "bold"
    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[0][1].callback_data == "no"

    stored = emu.messages(USER)[-1]
    assert stored.message_id == sent.message_id
    assert stored.reply_markup == [[("Yes", "yes"), ("No", "no")]]
    assert stored.parse_mode == "HTML" and stored.protect_content and not stored.edited

    edited = await bot.edit_message_text(
        "Thanks",
        chat_id=USER,
        message_id=sent.message_id,
        reply_markup=keyboard([("Next", "next")]),
    )
    assert isinstance(edited, Message)
    assert edited.text == "Thanks"
    assert edited.edit_date is not None
    stored = emu.messages(USER)[-1]
    assert stored.edited and stored.text == "Thanks"
    assert stored.reply_markup == [[("Next", "next")]]

    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(
            USER, sent.message_id, reply_markup=keyboard([("Next", "next")])
        )
    await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=None)
    assert emu.messages(USER)[-1].reply_markup is None


async def test_message_ids_are_shared_and_monotonic(bot: Bot, emu: BotAPIEmulator) -> None:
    first = await bot.send_message(USER, "one")
    incoming = emu.send_text(USER, "hello")
    second = await bot.send_message(USER, "two")
    assert first.message_id < incoming.message_id < second.message_id
    assert [m.text for m in emu.messages(USER)] == ["one", "two"]


# --- validation -----------------------------------------------------------------------------


async def test_unknown_chat(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(999_999, "hello")


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBUserWarning")
async def test_missing_and_mistyped_fields(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.do_api_request("sendMessage", api_kwargs={"chat_id": USER})
    with pytest.raises(BadRequest, match=r'(?i)parameter "callback_query_id" is required'):
        await bot.do_api_request("answerCallbackQuery", api_kwargs={})
    with pytest.raises(BadRequest, match=r'(?i)"disable_notification" must be of type Boolean'):
        await bot.do_api_request(
            "sendMessage",
            api_kwargs={"chat_id": USER, "text": "x", "disable_notification": "perhaps"},
        )
    with pytest.raises(BadRequest, match=r'(?i)field "text" is required'):
        await bot.do_api_request(
            "sendMessage",
            api_kwargs={
                "chat_id": USER,
                "text": "x",
                "reply_markup": {"inline_keyboard": [[{"callback_data": "a"}]]},
            },
        )


async def test_text_length_counts_after_entity_parsing(bot: Bot) -> None:
    await bot.send_message(USER, "x" * 4096)
    await bot.send_message(USER, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(USER, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(USER, "<b></b>", parse_mode="HTML")


async def test_caption_limit(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message caption is too long"):
        await bot.send_photo(USER, photo=b"\xff\xd8\xff", caption="c" * 1025)


async def test_callback_data_over_64_bytes(bot: Bot) -> None:
    await bot.send_message(USER, "ok", reply_markup=keyboard([("A", "a" * 64)]))
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        # 33 characters, 66 bytes: the limit is in bytes
        await bot.send_message(USER, "too long", reply_markup=keyboard([("A", "é" * 33)]))


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("<blink>x</blink>", 'Unsupported start tag "blink"'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag"),
        ("1 < 2", 'Unsupported start tag ""'),
        ("fish & chips", 'Character "&" must be escaped'),
        ('<span class="x">s</span>', 'must have class "tg-spoiler"'),
    ],
)
async def test_bad_html_is_refused(bot: Bot, html: str, error: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities") as raised:
        await bot.send_message(USER, html, parse_mode="HTML")
    assert error.lower() in str(raised.value).lower()  # PTB re-cases Telegram's text


async def test_supported_html(bot: Bot) -> None:
    html = (
        "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s>"
        '<strike>k</strike><del>d</del><span class="tg-spoiler">p</span>'
        '<tg-spoiler>q</tg-spoiler><a href="https://example.org/?a=1&amp;b=2">l</a>'
        '<code>c</code><pre><code class="language-python">x</code></pre>'
        '<blockquote expandable>q</blockquote><tg-emoji emoji-id="5368324170671202286">👍'
        "</tg-emoji> &lt;&gt;&amp;&quot;&#65;&#x42;"
    )
    sent = await bot.send_message(USER, html, parse_mode="HTML")
    assert sent.text is not None and sent.text.endswith(' <>&"AB')
    kinds = {e.type for e in sent.entities}
    assert {
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "text_link",
        "code",
        "pre",
        "expandable_blockquote",
        "custom_emoji",
    } <= kinds


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBUserWarning")
async def test_unknown_method_is_not_found(bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTeleportation", api_kwargs={"chat_id": USER})


async def test_json_and_form_bodies(emu: BotAPIEmulator, bot: Bot) -> None:
    url = f"{emu.base_url}{emu.token}/sendMessage"
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    async with httpx.AsyncClient() as client:
        as_json = await client.post(
            url, json={"chat_id": USER, "text": "j", "reply_markup": markup}
        )
        as_form = await client.post(
            url, data={"chat_id": str(USER), "text": "f", "reply_markup": json.dumps(markup)}
        )
        as_get = await client.get(url, params={"chat_id": USER, "text": "g"})
        broken = await client.post(
            url, data={"chat_id": str(USER), "text": "x", "reply_markup": "{not json"}
        )
    assert as_json.json()["result"]["reply_markup"] == markup
    assert as_form.json()["result"]["reply_markup"] == markup
    assert as_get.json()["result"]["text"] == "g"
    assert broken.status_code == 400
    assert broken.json()["description"].startswith("Bad Request: ")


# --- users, blocking, faults ----------------------------------------------------------------


async def test_blocked_user_is_forbidden(bot: Bot, emu: BotAPIEmulator) -> None:
    emu.block(USER)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(USER, "hello?")
    emu.unblock(USER)
    await bot.send_message(USER, "welcome back")


@IGNORE_RETRY_AFTER_DEPRECATION
async def test_injected_429_is_enforced(bot: Bot, emu: BotAPIEmulator) -> None:
    fault = emu.inject("sendMessage", 429, retry_after=3, times=1)
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(USER, "first")
    assert seconds(raised.value) == 3
    assert fault.hits == 1 and emu.early_calls == 0

    with pytest.raises(RetryAfter) as again:  # too early: the flood wait still runs
        await bot.send_message(USER, "too soon")
    assert 1 <= seconds(again.value) <= 3
    assert emu.early_calls == 1
    assert [c.status for c in emu.calls("sendMessage")] == [429, 429]


@IGNORE_RETRY_AFTER_DEPRECATION
async def test_concurrent_calls_in_flight_are_not_early(emu: BotAPIEmulator, bot: Bot) -> None:
    """Sends a concurrent client had already made when the 429 went out are refused, but do
    not count as ignoring retry_after; a send well after it does."""
    client = Bot(emu.token, base_url=emu.base_url, request=HTTPXRequest(connection_pool_size=8))
    async with client:
        emu.inject("sendMessage", 429, retry_after=2, times=1)
        results = await asyncio.gather(
            *(client.send_message(USER, f"batch {i}") for i in range(5)),
            return_exceptions=True,
        )
        assert all(isinstance(r, RetryAfter) for r in results)
        assert emu.early_calls == 0
        await asyncio.sleep(0.15)
        with pytest.raises(RetryAfter):
            await client.send_message(USER, "ignoring the wait")
        assert emu.early_calls == 1


@IGNORE_RETRY_AFTER_DEPRECATION
async def test_retry_after_honoured_is_not_early(bot: Bot, emu: BotAPIEmulator) -> None:
    emu.inject("sendMessage", 429, retry_after=1, times=1)
    with pytest.raises(RetryAfter):
        await bot.send_message(USER, "first")
    await asyncio.sleep(1.05)
    await bot.send_message(USER, "after waiting")
    assert emu.early_calls == 0
    assert [m.text for m in emu.messages(USER)] == ["after waiting"]


@IGNORE_RETRY_AFTER_DEPRECATION
async def test_a_per_chat_limit_holds_only_the_chat_written_to_too_often(
    bot: Bot, emu: BotAPIEmulator
) -> None:
    other = 1002
    emu.send_text(other, "/start")
    limit = emu.limit_per_chat(calls=3, seconds=3.0)
    for i in range(3):
        await bot.send_message(USER, f"quick {i}")
    with pytest.raises(RetryAfter) as raised:  # the fourth within 3 s
        await bot.send_message(USER, "one too many")
    assert 1 <= seconds(raised.value) <= 3
    await bot.send_message(other, "another chat is not held")
    assert emu.early_calls == 0
    with pytest.raises(RetryAfter):  # the same chat before its wait ran out: early
        await bot.send_message(USER, "too soon")
    assert emu.early_calls == 1 and limit is not None and limit.refused == 1
    emu.clear_faults()  # the limit goes with the faults
    await bot.send_message(USER, "free again")
    assert [m.text for m in emu.messages(USER)][-1] == "free again"


async def test_injected_502_is_a_network_error(bot: Bot, emu: BotAPIEmulator) -> None:
    emu.inject("sendMessage", 502, times=1)
    with pytest.raises(NetworkError) as raised:
        await bot.send_message(USER, "lost")
    assert type(raised.value) is NetworkError
    assert "Bad Gateway" in str(raised.value)
    await bot.send_message(USER, "delivered")  # times=1: the next one passes
    assert [m.text for m in emu.messages(USER)] == ["delivered"]


async def test_slow_answer_times_out_but_is_delivered(bot: Bot, emu: BotAPIEmulator) -> None:
    emu.inject("sendMessage", delay=0.3, times=1)
    with pytest.raises(TimedOut):
        await bot.send_message(USER, "slow", read_timeout=0.05)
    message = await emu.wait_for_message(USER, timeout=2)
    assert message.text == "slow"  # like Telegram, a timed-out send may still arrive


async def test_probabilistic_faults_are_seeded(bot: Bot, emu: BotAPIEmulator) -> None:
    emu.inject("sendChatAction", 500, probability=0.5, seed=7)
    outcomes = []
    for _ in range(20):
        try:
            await bot.send_chat_action(USER, "typing")
            outcomes.append(True)
        except NetworkError:
            outcomes.append(False)
    assert 0 < outcomes.count(False) < 20


# --- media, files, deletion -----------------------------------------------------------------


async def test_send_voice_upload_and_reuse(bot: Bot, emu: BotAPIEmulator) -> None:
    audio = b"OggS" + bytes(1000)
    sent = await bot.send_voice(
        USER,
        voice=audio,
        duration=7,
        filename="week1.ogg",
        caption="<i>Listen</i>",
        parse_mode="HTML",
    )
    assert sent.voice is not None and sent.voice.file_size == len(audio)
    assert sent.caption == "Listen"
    stored = emu.messages(USER)[-1]
    assert stored.kind == "voice" and stored.file is not None
    assert stored.file.file_name == "week1.ogg" and stored.file.file_size == len(audio)

    again = await bot.send_voice(USER, voice=sent.voice.file_id)
    assert again.voice is not None and again.voice.file_id == sent.voice.file_id
    downloaded = await (await bot.get_file(sent.voice.file_id)).download_as_bytearray()
    assert bytes(downloaded) == audio
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_voice(USER, voice="no-such-file-id")


async def test_send_document_and_photo(bot: Bot, emu: BotAPIEmulator) -> None:
    await bot.send_document(USER, document=b"%PDF-1.4 report", filename="report.pdf")
    await bot.send_photo(USER, photo=b"\xff\xd8\xff\xe0", caption="chart")
    await bot.send_audio(USER, audio=b"ID3", filename="talk.mp3", duration=60)
    kinds = [(m.kind, m.file.file_name if m.file else None) for m in emu.messages(USER)]
    assert [kind for kind, _ in kinds] == ["document", "photo", "audio"]
    assert kinds[0][1] == "report.pdf" and kinds[2][1] == "talk.mp3"


async def test_copy_message_of_a_user_voice(bot: Bot, emu: BotAPIEmulator) -> None:
    voice = emu.send_voice(USER, duration=12)
    emu.send_text(2002, "/start")
    copied = await bot.copy_message(2002, USER, voice.message_id, caption="From a member")
    stored = emu.messages(2002)[-1]
    assert stored.message_id == copied.message_id
    assert stored.kind == "voice" and stored.caption == "From a member"
    assert stored.file is not None and stored.file.duration == 12


async def test_delete_refused_after_48_hours(bot: Bot, emu: BotAPIEmulator) -> None:
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    emu.clock = lambda: start
    old = await bot.send_message(USER, "old")
    recent = await bot.send_message(USER, "recent")
    emu.clock = lambda: start + timedelta(hours=49)
    with pytest.raises(BadRequest, match=r"(?i)message can't be deleted"):
        await bot.delete_message(USER, old.message_id)
    emu.clock = lambda: start + timedelta(hours=47)
    assert await bot.delete_message(USER, recent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(USER, recent.message_id)
    assert [m.text for m in emu.messages(USER)] == ["old"]
    assert [(m.text, m.deleted) for m in emu.all_messages(USER)] == [
        ("old", False),
        ("recent", True),
    ]
    assert await bot.delete_messages(USER, [old.message_id, 12345])


async def test_commands_per_scope_and_language(bot: Bot, emu: BotAPIEmulator) -> None:
    from telegram import BotCommand, BotCommandScopeAllPrivateChats

    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
    await bot.set_my_commands(
        [BotCommand("aide", "Aide")], language_code="fr", scope=BotCommandScopeAllPrivateChats()
    )
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert emu.commands("all_private_chats", "fr") == [{"command": "aide", "description": "Aide"}]
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Start", "Capitalised")])
    await bot.delete_my_commands()
    assert emu.commands() == []


async def test_chat_scoped_commands_win_for_that_chat_only(bot: Bot, emu: BotAPIEmulator) -> None:
    from telegram import BotCommand, BotCommandScopeChat

    emu.user(USER, "Ali", language_code="fr")
    await bot.set_my_commands([BotCommand("help", "Help")])
    await bot.set_my_commands([BotCommand("aide", "Aide")], language_code="fr")
    await bot.set_my_commands([BotCommand("groups", "Groups")], scope=BotCommandScopeChat(USER))
    assert emu.commands({"type": "chat", "chat_id": USER}) == [
        {"command": "groups", "description": "Groups"}
    ]
    assert [c["command"] for c in emu.menu_for(USER, "fr")] == ["groups"]
    assert [c["command"] for c in emu.menu_for(USER + 1, "fr")] == ["aide"]
    assert [c["command"] for c in emu.menu_for(USER + 1, "de")] == ["help"]
    await bot.delete_my_commands(scope=BotCommandScopeChat(USER))
    assert [c["command"] for c in emu.menu_for(USER, "fr")] == ["aide"]
    # A chat the bot does not know, as on Telegram.
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.set_my_commands([BotCommand("x", "X")], scope=BotCommandScopeChat(-42))


async def test_get_chat_and_menu_button(bot: Bot, emu: BotAPIEmulator) -> None:
    from telegram import MenuButtonCommands

    emu.user(USER, "Ali", language_code="fr", username="ali")
    chat = await bot.get_chat(USER)
    assert chat.type == "private" and chat.first_name == "Ali"
    await bot.set_chat_menu_button(USER, MenuButtonCommands())
    assert emu.menu_button(USER) == {"type": "commands"}


# --- updates ------------------------------------------------------------------------------


async def test_long_poll_wakes_promptly(emu: BotAPIEmulator, bot: Bot) -> None:
    first = await bot.get_updates(timeout=0)
    offset = first[-1].update_id + 1
    poll = asyncio.create_task(bot.get_updates(offset=offset, timeout=5))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    emu.send_text(USER, "are you there?")
    updates = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 0.5
    assert updates[0].message is not None and updates[0].message.text == "are you there?"
    # Confirmed by offset: gone from the next answer.
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()


async def test_group_privacy_and_membership(emu: BotAPIEmulator, bot: Bot) -> None:
    await bot.get_updates(offset=-1, timeout=0)
    emu.add_bot_to_group(-500, USER, chat_title="Circle")
    emu.send_group_text(-500, USER, "just chatting")
    emu.send_group_text(-500, USER, "/checkin@foyer_test_bot")
    updates = await bot.get_updates(offset=-3, timeout=0)
    assert updates[0].my_chat_member is not None
    assert updates[0].my_chat_member.new_chat_member.status == "member"
    assert updates[1].message is not None and updates[1].message.new_chat_members
    assert updates[2].message is not None
    assert updates[2].message.text == "/checkin@foyer_test_bot"  # plain chat is not seen
    sent = await bot.send_message(-500, "Hello circle")
    assert sent.chat.type == "group" and sent.chat.title == "Circle"


async def test_application_handles_commands_and_buttons(emu: BotAPIEmulator) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            f"Welcome {' '.join(context.args or [])}", reply_markup=keyboard([("Go", "go")])
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Noted")
        await query.edit_message_text(f"You chose {query.data}")

    app = (
        Application.builder()
        .token(emu.token)
        .base_url(emu.base_url)
        .base_file_url(emu.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        ali = emu.user(USER, "Ali", language_code="fr")
        ali.send_text("/start week1")
        welcome = await ali.wait_for_message(timeout=3)
        assert welcome.text == "Welcome week1"
        assert welcome.reply_markup == [[("Go", "go")]]

        query_id = emu.press_button(USER, welcome.message_id, "go")
        assert (await emu.wait_for_callback_answer(query_id, timeout=3))["text"] == "Noted"

        def edited_welcome() -> EmulatedMessage | None:
            current = emu.message(USER, welcome.message_id)
            return current if current.edited else None

        edited = await emu.wait_until(edited_welcome, timeout=3)
        assert edited.text == "You chose go"
        await emu.wait_idle(timeout=3)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def test_wait_for_message_reports_what_it_saw(emu: BotAPIEmulator, bot: Bot) -> None:
    await bot.send_message(USER, "something else")
    with pytest.raises(AssertionError, match=r"(?i)something else"):
        await emu.wait_for_message(USER, lambda m: "never" in m.content, timeout=0.1)


async def test_waiting_follows_the_conversation(emu: BotAPIEmulator, bot: Bot) -> None:
    scheduled = await bot.send_message(USER, "Week 1", reply_markup=keyboard([("Done", "d")]))
    # Sent before the call and never looked at: still the next message of the stream.
    assert (await emu.wait_for_message(USER, timeout=1)).text == "Week 1"

    await bot.send_message(USER, "Week 2")  # unseen ...
    emu.send_text(USER, "/pause")  # ... but the user saw it before writing
    reply = asyncio.create_task(emu.wait_for_message(USER, timeout=1))
    await asyncio.sleep(0.01)
    await bot.send_message(USER, "Paused")
    assert (await reply).text == "Paused"

    await bot.edit_message_text(
        "Week 1 (old edit)",
        chat_id=USER,
        message_id=scheduled.message_id,
        reply_markup=keyboard([("Done", "d")]),
    )
    emu.press_button(USER, scheduled.message_id, "d")  # the edit above is now seen
    edit = asyncio.create_task(emu.wait_for_edit(USER, scheduled.message_id, timeout=1))
    await asyncio.sleep(0.01)
    await bot.edit_message_text("Thanks!", chat_id=USER, message_id=scheduled.message_id)
    assert (await edit).text == "Thanks!"
    with pytest.raises(AssertionError, match="not edited"):
        await emu.wait_for_edit(USER, scheduled.message_id, timeout=0.05)


async def test_control_api(emu: BotAPIEmulator, bot: Bot) -> None:
    base = f"http://127.0.0.1:{emu.port}/_emulator"
    async with httpx.AsyncClient() as client:
        await client.post(f"{base}/send_text", json={"user_id": 7, "text": "/start"})
        await bot.send_message(7, "hi seven")
        answer = await client.get(f"{base}/messages", params={"chat_id": 7})
    assert [m["text"] for m in answer.json()["result"]] == ["hi seven"]


# --- the webhook ----------------------------------------------------------------------------


class Receiver:
    """The bot's side of a webhook: records each POST and answers with the next status given
    (200 once they run out)."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.posts: list[tuple[dict[str, str], dict[str, object]]] = []
        self.server = HttpServer(self._answer)

    async def _answer(self, request: Request) -> Response:
        self.posts.append((request.headers, json.loads(request.body)))
        return Response.json(self.statuses.pop(0) if self.statuses else 200, {})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}/hook"


async def test_webhook_delivery_in_order_retried_and_redelivered(
    emu: BotAPIEmulator, bot: Bot
) -> None:
    receiver = Receiver(500, 502)  # the first update is refused twice, then taken
    await receiver.server.start()
    try:
        await bot.send_message(USER, "press", reply_markup=keyboard([("Go", "go")]))
        await bot.set_webhook(receiver.url, secret_token="s" * 20, allowed_updates=["message"])
        emu.press_button(USER, callback_data="go")  # a kind not allowed: never posted
        emu.send_text(USER, "first")
        emu.send_text(USER, "second")
        await emu.wait_until(lambda: len(receiver.posts) == 5, timeout=10)  # /start + 2 + 2
        with pytest.raises(Conflict):  # no getUpdates while a webhook is set
            await bot.get_updates(timeout=0)
        texts = [body["message"]["text"] for _, body in receiver.posts]  # type: ignore[index]
        assert texts == ["/start", "/start", "/start", "first", "second"]
        assert all(h["x-telegram-bot-api-secret-token"] == "s" * 20 for h, _ in receiver.posts)
        assert all(h["content-type"] == "application/json" for h, _ in receiver.posts)
        info = await bot.get_webhook_info()
        assert info.url == receiver.url and info.pending_update_count == 0
        assert info.last_error_message == "Wrong response from the webhook: 502"

        # Telegram's redelivery of an update already delivered: the same id, once more.
        first_id = receiver.posts[3][1]["update_id"]
        emu.redeliver(first_id)  # type: ignore[arg-type]
        await emu.wait_until(lambda: len(receiver.posts) == 6, timeout=10)
        assert receiver.posts[5][1] == receiver.posts[3][1]

        await bot.delete_webhook()
        emu.send_text(USER, "polled")
        (update,) = await bot.get_updates(timeout=0)
        assert update.message is not None and update.message.text == "polled"
    finally:
        await receiver.server.stop()


async def test_webhook_unreachable_keeps_the_update_pending(emu: BotAPIEmulator, bot: Bot) -> None:
    receiver = Receiver()
    await receiver.server.start()
    url = receiver.url
    await receiver.server.stop()  # nothing listens there now
    await bot.set_webhook(url)
    await emu.wait_until(lambda: emu.webhook_info().get("last_error_message"), timeout=10)
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 1  # /start, waiting for the bot to come back
    assert info.last_error_message is not None
    assert info.last_error_message.startswith("Connection refused")


async def test_webhook_over_https_as_telegram_posts(emu: BotAPIEmulator, bot: Bot) -> None:
    """Telegram posts to https:// only: the emulator does too (a rehearsal behind a reverse
    proxy), trusting the certificates it is told to, and keeps a certificate it cannot trust
    as the webhook's last error, the update pending."""
    authority = trustme.CA()
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(server_tls)
    bodies: list[bytes] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1]) for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )  # fmt: skip
        bodies.append(await reader.readexactly(length))
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=server_tls)
    port = server.sockets[0].getsockname()[1]
    try:
        await bot.set_webhook(f"https://localhost:{port}/hook")  # not trusted yet
        await emu.wait_until(lambda: emu.webhook_info().get("last_error_message"), timeout=10)
        info = await bot.get_webhook_info()
        assert info.pending_update_count == 1 and not bodies
        assert info.last_error_message is not None and "SSL" in info.last_error_message

        client_tls = ssl.create_default_context()
        authority.configure_trust(client_tls)
        emu.state.webhook.tls = client_tls
        await emu.wait_until(lambda: bodies, timeout=10)
        assert json.loads(bodies[0])["message"]["text"] == "/start"
        await emu.wait_until(lambda: emu.webhook_info()["pending_update_count"] == 0, timeout=10)
    finally:
        await bot.delete_webhook()
        server.close()
        await server.wait_closed()


async def test_redelivery_to_a_poller(emu: BotAPIEmulator, bot: Bot) -> None:
    (start,) = await bot.get_updates(timeout=0)
    emu.send_text(USER, "next")
    # A dead poller's unconfirmed update, fetched again (asked through the control API).
    async with httpx.AsyncClient() as client:
        answer = await client.post(
            f"http://127.0.0.1:{emu.port}/_emulator/redeliver",
            json={"update_id": start.update_id},
        )
    assert answer.json() == {"ok": True, "result": None}
    again = await bot.get_updates(offset=start.update_id + 1, timeout=0)
    assert [u.update_id for u in again] == [start.update_id, start.update_id + 1]
    with pytest.raises(KeyError):
        emu.redeliver(999_999)  # never delivered
