"""When the database fails under a running Foyer: nobody is answered as a stranger, every update
gets an answer, a refused write says "not saved", and nothing changes."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.storage import migrate
from bot.storage.tables import broadcast, membership, outbox, person
from tests.conftest import Foyer, msg_buttons
from tests.facilitator_helpers import count, make_facilitator, rows
from tests.test_settings_and_cli import CURRICULA
from tests.test_settings_and_cli import foyer as cli

TRY_AGAIN_FR = "Un problème est survenu de notre côté, veuillez réessayer dans une minute."
NOT_SAVED = "Not saved, please try again."


async def _lose_connection(f: Foyer) -> None:
    """The pooled aiosqlite connection ends beneath the pool (the engine has one connection),
    as in a crash of its thread."""
    async with f.rt.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        await driver.close()


def _move_away(path: Path) -> list[Path]:
    """The database's files go aside, and a folder takes the file's place: SQLite cannot
    open a folder ("unable to open database file")."""
    aside = path.parent / "aside"
    aside.mkdir()
    files = [p for p in (path, *(Path(f"{path}{s}") for s in ("-wal", "-shm"))) if p.exists()]
    for p in files:
        p.rename(aside / p.name)
    path.mkdir()
    return files


def _bring_back(path: Path, files: list[Path]) -> None:
    path.rmdir()
    for p in files:
        (path.parent / "aside" / p.name).rename(p)
    shutil.rmtree(path.parent / "aside")


@contextlib.asynccontextmanager
async def database_lost(f: Foyer, url: str) -> AsyncIterator[None]:
    """The database connection ends and the file cannot be opened again (as when the disk that
    holds it goes away), until the block ends and the file is back where it was."""
    path = Path(make_url(url).database or "")
    files = _move_away(path)
    await _lose_connection(f)
    try:
        yield
    finally:
        _bring_back(path, files)


@contextlib.asynccontextmanager
async def writes_refused(f: Foyer) -> AsyncIterator[None]:
    """The database reads but refuses every write, as a full disk or a read-only file does."""
    async with f.rt.engine.connect() as conn:
        await conn.exec_driver_sql("PRAGMA query_only=ON")
    try:
        yield
    finally:
        async with f.rt.engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA query_only=OFF")


async def _state(f: Foyer, uid: int) -> list[tuple[object, ...]]:
    return await rows(
        f,
        select(person.c.id, person.c.language, membership.c.status)
        .join(membership, membership.c.person_id == person.c.id)
        .where(person.c.telegram_id == uid),
    )


async def test_a_lost_database_is_never_answered_as_a_stranger(foyer: Foyer, db_url: str) -> None:
    _gid, code = await foyer.create_group()
    uid = await foyer.join(code, user_id=foyer.new_user(language_code="fr"), language="Français")
    before = await _state(foyer, uid)
    assert before and before[0][1:] == ("fr", "active")
    foyer.emu.send_text(uid, "/stop")
    confirm = await foyer.last_message(uid)
    assert [b[1] for b in confirm.reply_markup[0]] == ["st:y", "st:n"]

    async with database_lost(foyer, db_url):
        for command in ("/forget", "/stop", "/progress"):
            foyer.emu.send_text(uid, command)
            answer = await foyer.last_message(uid)
            assert answer.text == TRY_AGAIN_FR, command  # in his Telegram language
        query = foyer.emu.press_button(uid, confirm.message_id, "st:y")
        answered = await foyer.emu.wait_for_callback_answer(query)
        assert answered["text"] == TRY_AGAIN_FR
        # Help needs nobody's record: it is shown, not "try again".
        foyer.emu.send_text(uid, "aide")
        assert "Aide" in ((await foyer.last_message(uid)).text or "")

    assert await _state(foyer, uid) == before  # nothing was changed or deleted
    foyer.emu.send_text(uid, "/stop")  # and the next update finds him again
    again = await foyer.last_message(uid)
    assert [b[1] for b in again.reply_markup[0]] == ["st:y", "st:n"]


async def test_a_refused_write_says_not_saved_and_changes_nothing(foyer: Foyer) -> None:
    gid, code = await foyer.create_group()
    member = await foyer.join(code)
    fac = await make_facilitator(foyer, gid)
    # A newcomer at the code of conduct, a member about to forget, a facilitator about to send.
    newcomer = foyer.new_user()
    foyer.emu.send_text(newcomer, f"/start {code}")
    conduct = await foyer.last_message(newcomer)
    for label in ("English", "Read", "Yes, I agree", "Yes, count my answers", "No, show a number"):
        await foyer.press(newcomer, conduct, label)
        conduct = await foyer.emu.wait_for_edit(newcomer, conduct.message_id)
    foyer.emu.send_text(member, "/forget")
    forget = await foyer.last_message(member)
    foyer.emu.send_text(fac, "/broadcast")
    await foyer.last_message(fac)
    foyer.emu.send_voice(fac, duration=12)
    await foyer.last_message(fac)  # the preview
    question = await foyer.last_message(fac)
    assert "Send" in [label for row in msg_buttons(question) for label, _data in row]
    people_before = await count(foyer, person)

    async with writes_refused(foyer):
        # The broadcast's Send: the button's own answer says it.
        send = next(d for row in msg_buttons(question) for label, d in row if label == "Send")
        query = foyer.emu.press_button(fac, question.message_id, send)
        assert (await foyer.emu.wait_for_callback_answer(query))["text"] == NOT_SAVED
        # "Yes, delete everything": the button was acknowledged first, so a message says it.
        await foyer.press(member, forget, "Yes, delete everything")
        assert (await foyer.last_message(member)).text == NOT_SAVED
        # The newcomer's "I accept" is not lost in silence either.
        await foyer.press(newcomer, conduct, "I accept")
        assert (await foyer.last_message(newcomer)).text == NOT_SAVED
        # /help is answered once, although noting it for /erase fails.
        foyer.emu.send_text(member, "/help")
        assert "Help" in ((await foyer.last_message(member)).text or "")
        foyer.emu.send_text(member, "/resume")  # answered after /help's update is done
        await foyer.last_message(member)
        helps = [m for m in foyer.emu.messages(member) if "What you can send" in (m.text or "")]
        assert len(helps) == 1

    assert await count(foyer, person) == people_before  # the newcomer is not half-enrolled
    assert await _state(foyer, member) != []  # the member was not forgotten
    assert await count(foyer, broadcast, broadcast.c.confirmed_at.is_not(None)) == 0
    assert await count(foyer, outbox, outbox.c.kind == "broadcast") == 0
    # Once the database writes again, the same buttons work: nobody is stuck.
    await foyer.press(newcomer, conduct, "I accept")
    welcome = await foyer.emu.wait_for_edit(newcomer, conduct.message_id)
    assert "Kati Men" in (welcome.text or "")


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        ("read-only", "attempt to write a readonly database"),
        ("folder", "unable to open database file"),
        ("not a database", "file is not a database"),
    ],
)
def test_starting_on_an_unusable_database_is_one_line_and_exit_2(
    tmp_path: Path, make: str, problem: str
) -> None:
    db = tmp_path / "foyer.db"
    url = f"sqlite+aiosqlite:///{db}"
    if make == "read-only":
        migrate.upgrade(url)
        # The same refusal SQLite gives for a file without write permission, also as root.
        url = f"sqlite+aiosqlite:///file:{db}?mode=ro&uri=true"
    elif make == "folder":
        db.mkdir()
    else:
        db.write_bytes(b"these are the minutes of the meeting, not a database" * 100)
    env = {
        "FOYER_DATABASE_URL": url,
        "FOYER_CONTENT_DIR": str(CURRICULA),
        "FOYER_BOT_TOKEN": "123456:TEST",
        "FOYER_BOT_API_URL": "http://127.0.0.1:9",  # never reached
    }
    for args in (["run"], ["run", "--upgrade"]):
        result = cli(*args, env=env, cwd=tmp_path)
        assert result.returncode == 2, result.stderr[-2000:]
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr[-2000:]
        assert str(db) in lines[0] and problem in lines[0]
