"""One sandbox session: the emulator, Foyer's Application, its clock, and the people played.

Everything runs in one event loop. After each action the session waits until Foyer has
handled every update and drained its outbox, so a script prints the same conversation on
every run.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import get_day_names
from sqlalchemy import and_, func, or_, select

from bot.app import build_application, running
from bot.delivery import due, planner
from bot.domain.schedule import WEEKDAYS
from bot.emulator import BotAPIEmulator
from bot.emulator.models import Message
from bot.i18n import LANGUAGE_NAMES, _, format_clock, format_day_short
from bot.infra.clock import OffsetClock
from bot.runtime import Runtime, runtime_of
from bot.sandbox import script
from bot.sandbox.personas import ADMIN, FACILITATOR, FOCAL, MEMBER_1, Persona, persona_of
from bot.sandbox.terminal import Terminal, is_link
from bot.services import facilitation
from bot.services.group_setup import create_groups, parse_spec
from bot.settings import Settings, load_settings
from bot.storage import groups, invites, people, staff
from bot.storage.tables import group, outbox, person

TIMEZONE = "Africa/Bamako"
GROUP_NAME = "Sandbox group"  # in English; the demo group is named in the sandbox's language
DEFAULT_CURRICULUM = "men-groups-12"
TICK_SECONDS = 0.5
SETTLE_TIMEOUT = 20.0
_DELETED = -1
_START_LINK = re.compile(r"\?start=([A-Za-z0-9_-]{1,64})")
_MAX_STOPS = 5000
_MAX_JOIN_STEPS = 8


class SandboxProblem(Exception):
    """Something a line asked for that cannot be done now (no such button...)."""


@dataclass(frozen=True)
class Options:
    database_url: str
    lang: str = "en"
    curriculum: str | None = None
    fresh: bool = True  # False: a kept database that may already hold the demo group
    # Where the files Foyer sends (charts, CSV exports, /mydata) are saved; None: not saved.
    files_dir: Path | None = None


def start_moment(today: date, tz: ZoneInfo) -> datetime:
    """The coming Tuesday (today if it is one) at 08:00 where the group meets."""
    day = today + timedelta(days=(1 - today.weekday()) % 7)
    return datetime.combine(day, time(8, 0), tz)


def sandbox_settings(emu: BotAPIEmulator, database_url: str) -> Settings:
    # Environment settings still apply (content folder, fallbacks...), but never the token,
    # the Bot API, the database or the admins: the sandbox only talks to its own emulator.
    return load_settings(
        _env_file=None,
        bot_token=emu.token,
        bot_api_url=emu.base_url.removesuffix("/bot"),
        database_url=database_url,
        tick_seconds=TICK_SECONDS,
        rate_limit=False,
        admin_ids=frozenset({ADMIN.user_id}),
        # The safeguarding focal point (:as focal) receives concerns and "talk to a person".
        safeguarding_ids=frozenset({FOCAL.user_id}),
    )


class Sandbox:
    def __init__(
        self, emu: BotAPIEmulator, app: Any, clock: OffsetClock, term: Terminal, lang: str
    ) -> None:
        self.emu = emu
        self.app = app
        self.rt: Runtime = runtime_of(app)
        self.clock = clock
        self.term = term
        self.lang = lang
        self.current = MEMBER_1
        self.invite = ""
        self.group_id = 0
        self.tz = ZoneInfo(TIMEZONE)
        self.echo = True  # print what the person sends (off when they typed it themselves)
        # Typed at the terminal: a number no button has is sent as text. A script stops at
        # it instead, since there it is more likely a mistake.
        self.interactive = False
        self._known: dict[int, Persona] = {}
        self._shown: dict[tuple[int, int], int] = {}  # (chat, message) -> revision shown
        self._noticed: dict[int, int] = {}  # chat -> unread count already announced
        self.files_dir: Path | None = None
        self.group_name = GROUP_NAME
        self._saved: dict[tuple[int, int], Path] = {}  # (chat, message) -> the file saved
        self._file_number = 0
        self.lock = asyncio.Lock()

    # --- setting the world up ------------------------------------------------------------

    async def seed(self, options: Options) -> None:
        """The demo group, its invite, the facilitator; on a kept database, find them again."""
        async with self.rt.engine.connect() as conn:
            existing = await groups.list_all(conn)
            strangers = (await conn.execute(select(person.c.telegram_id))).scalars().all()
        outsiders = [t for t in strangers if persona_of(t) is None]
        if outsiders:
            raise SandboxProblem(
                "this database holds people who are not sandbox personas; the sandbox only "
                "uses its own databases (leave out --db for a temporary one)"
            )
        if existing:
            g = existing[0]
            self.group_id, self.tz, self.group_name = g.id, ZoneInfo(g.timezone), g.name
            # Carry on where the planner stopped last time.
            self.clock.set(max(self.clock.now(), max(x.planned_until for x in existing)))
            async with self.rt.engine.connect() as conn:
                self.invite = await invites.current_member_code(conn, g.id) or ""
            for telegram_id in strangers:
                known = persona_of(telegram_id)
                if known is not None:
                    self._meet(known)
        else:
            await self._create_group(options)
        await self._make_facilitator()

    async def _create_group(self, options: Options) -> None:
        cur_id = options.curriculum or DEFAULT_CURRICULUM
        if self.rt.curricula.get(cur_id) is None:
            if options.curriculum is not None:
                raise SandboxProblem(
                    f"no curriculum {cur_id!r}: use one of {', '.join(self.rt.curricula.ids())}"
                )
            cur_id = self.rt.curricula.ids()[0]
        now = self.clock.now()
        meets = now.astimezone(self.tz).date() + timedelta(days=2)
        # Every couples session the curriculum has, so partners can be played too.
        couples = [w.number for w in self.rt.curricula[cur_id].week if w.couples_exercise]
        with self.term.speaking():
            self.group_name = _("Sandbox group")
        spec = parse_spec(
            {
                "name": self.group_name,
                "curriculum": cur_id,
                "timezone": TIMEZONE,
                "meets": f"{WEEKDAYS[meets.weekday()]} 17:00",
                "starts": meets.isoformat(),
                "language": options.lang,
                "couples_weeks": ",".join(str(n) for n in couples),
            },
            self.rt.curricula,
            now.astimezone(self.tz).date(),
        )
        ((self.group_id, self.invite),) = await create_groups(self.rt, [spec])

    async def _make_facilitator(self) -> None:
        """The facilitator runs the demo group from the start: invited and accepted the way a
        real facilitator is, without the dialogue (play it with a new facilitator invite)."""
        async with self.rt.engine.connect() as conn:
            known = await people.by_telegram_id(conn, FACILITATOR.user_id)
            runs = known is not None and self.group_id in await staff.groups_of(conn, known.id)
        if not runs:
            code = await facilitation.create_invite(self.rt, self.group_id)
            accepted = code and await facilitation.accept_invite(
                self.rt, code, FACILITATOR.user_id, self.lang
            )
            if not accepted:
                raise SandboxProblem("the demo group's facilitator could not be set up")
        self._meet(FACILITATOR)
        self._meet(FOCAL)  # a focal point's chat exists, so concerns reach her

    def _meet(self, persona: Persona) -> None:
        """The persona's Telegram account and private chat with the bot exist from now on."""
        if persona.user_id in self._known:
            return
        user = self.emu.state.user(
            persona.user_id, first_name=persona.first_name, language_code=self.lang
        )
        self.emu.state.private_chat(user)
        self._known[persona.user_id] = persona

    # --- waiting until Foyer is done -----------------------------------------------------

    async def settle(self, timeout: float = SETTLE_TIMEOUT) -> None:
        """Every update handled, every due outbox row sent, and the emulator quiet."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout

        def left() -> float:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise SandboxProblem(f"Foyer did not finish answering within {timeout:.0f} s")
            return remaining

        while True:
            # An update leaves the emulator's queue once the bot asked for the next ones,
            # that is after it was put into the Application's own queue.
            while self.emu.state.updates.pending_count:
                left()
                await asyncio.sleep(0.01)
            try:
                await asyncio.wait_for(self.app.update_queue.join(), left())
            except TimeoutError:
                left()
            while await self._outbox_due():
                left()
                self.rt.wake_sender()
                await asyncio.sleep(0.02)
            try:
                await self.emu.wait_idle(quiet=0.05, timeout=left())
            except AssertionError:
                left()
            if (
                not self.emu.state.updates.pending_count
                and self.app.update_queue.empty()
                and not await self._outbox_due()
            ):
                return

    async def _outbox_due(self) -> bool:
        now = self.clock.now()
        async with self.rt.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(outbox.c.id)
                    .where(
                        or_(
                            outbox.c.status == "sending",
                            and_(
                                outbox.c.status == "pending",
                                outbox.c.due_at <= now,
                                or_(
                                    outbox.c.next_attempt_at.is_(None),
                                    outbox.c.next_attempt_at <= now,
                                ),
                            ),
                        ),
                    )
                    .limit(1)
                )
            ).first()
        return row is not None

    async def _next_stop(self, after: datetime) -> datetime | None:
        """The next moment something is scheduled: a group's event or a message's due time."""
        async with self.rt.engine.connect() as conn:
            event = (
                await conn.execute(
                    select(func.min(group.c.next_event_at)).where(
                        group.c.paused.is_(False), group.c.next_event_at > after
                    )
                )
            ).scalar()
            message = (
                await conn.execute(
                    select(func.min(outbox.c.due_at)).where(
                        outbox.c.status == "pending", outbox.c.due_at > after
                    )
                )
            ).scalar()
        stops = [s for s in (event, message) if s is not None]
        return min(stops) if stops else None

    # --- showing what Foyer sent ---------------------------------------------------------

    def _news(self, persona: Persona) -> list[tuple[Message, str]]:
        """Messages not shown yet to this persona: ("new" | "edited" | "deleted", message)."""
        out: list[tuple[Message, str]] = []
        for m in self.emu.state.bot_messages(persona.user_id, include_deleted=True):
            shown = self._shown.get((m.chat_id, m.message_id))
            if m.deleted:
                if shown is None:
                    self._shown[(m.chat_id, m.message_id)] = _DELETED  # came and went unseen
                elif shown != _DELETED:
                    out.append((m, "deleted"))
            elif shown is None:
                out.append((m, "new"))
            elif m.revision > shown:
                out.append((m, "edited"))
        return out

    def _save_file(self, persona: Persona, m: Message) -> Path | None:
        """The file Foyer sent in this message, written to the files folder once."""
        key = (m.chat_id, m.message_id)
        if key in self._saved:
            return self._saved[key]
        if self.files_dir is None or m.file is None or m.file.data is None:
            return None
        name = m.file.file_name or Path(m.file.file_path).name or f"{m.kind}.bin"
        safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or m.kind
        label = persona.label.replace(" ", "")
        try:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            if self._file_number == 0:  # a kept folder: carry on after its files
                numbers = [int(f.name[:3]) for f in self.files_dir.glob("[0-9][0-9][0-9]-*")]
                self._file_number = max(numbers, default=0)
            self._file_number += 1
            path = self.files_dir / f"{self._file_number:03d}-{label}-{safe}"
            path.write_bytes(m.file.data)
        except OSError as exc:
            with self.term.speaking():
                self.term.problem(
                    _("could not save a file in {folder}: {problem}").format(
                        folder=self.files_dir, problem=exc.strerror or exc
                    )
                )
            return None
        self._saved[key] = path
        return path

    def files(self) -> None:
        """The files folder's files: this session's, and a kept folder's earlier ones."""
        folder = self.files_dir
        found = (
            sorted(p for p in folder.iterdir() if p.is_file()) if folder and folder.is_dir() else []
        )
        if not found:
            with self.term.speaking():
                if folder is None:
                    self.term.info(_("(no files yet)"))
                else:
                    self.term.info(_("(no files yet: they go to {folder})").format(folder=folder))
            return
        for path in found:
            self.term.line(f"  {path}")

    def _mark(self, m: Message, what: str) -> None:
        self._shown[(m.chat_id, m.message_id)] = _DELETED if what == "deleted" else m.revision

    def show(self, heading: str | None = None) -> bool:
        """Print what the current person received; a one-line notice for anyone else."""
        printed = False

        def head() -> None:
            nonlocal printed
            if not printed and heading:
                self.term.heading(heading)
            printed = True

        for m, what in self._news(self.current):
            head()
            self._mark(m, what)
            if what == "deleted":
                self.term.deleted(self.current)
            else:
                saved = self._save_file(self.current, m)
                self.term.bot_message(self.current, m, edited=what == "edited", saved=saved)
        self._noticed.pop(self.current.user_id, None)
        for persona in sorted(self._known.values(), key=lambda p: p.user_id):
            if persona == self.current:
                continue
            news = self._news(persona)
            for m, what in news:
                if what != "deleted":
                    self._save_file(persona, m)  # saved now, shown when you play them
            count = len(news)
            if count > self._noticed.get(persona.user_id, 0):
                head()
                self.term.notice(persona, count)
            self._noticed[persona.user_id] = count
        return printed

    def has_news(self) -> bool:
        return any(
            len(self._news(p)) > (0 if p == self.current else self._noticed.get(p.user_id, 0))
            for p in self._known.values()
        )

    def _seen_silently(self, persona: Persona) -> None:
        for m, what in self._news(persona):
            self._mark(m, what)

    # --- time ----------------------------------------------------------------------------

    def local(self, moment: datetime) -> str:
        """'Tue 8 Dec 2026, 08:00' in the sandbox's language, its one clock style included."""
        at = moment.astimezone(self.tz)
        lang = self.term.lang
        return f"{format_day_short(at, lang)}, {format_clock(at, lang)}"

    async def advance(self, delta: timedelta) -> None:
        """Move the clock, stopping at each scheduled moment so nothing is sent late."""
        target = self.clock.now() + delta
        for _stop in range(_MAX_STOPS):
            await planner.tick(self.rt)
            await self.settle()
            self.show(self.local(self.clock.now()))
            stop = await self._next_stop(self.clock.now())
            if stop is None or stop > target:
                break
            self.clock.set(stop)
        self.clock.set(target)
        await planner.tick(self.rt)
        await self.settle()
        self.show(self.local(self.clock.now()))
        with self.term.speaking():
            self.term.info(
                _("(it is now {when}, {timezone})").format(
                    when=self.local(self.clock.now()), timezone=self.tz.key
                )
            )

    async def now_line(self) -> str:
        now = self.clock.now()
        async with self.rt.engine.connect() as conn:
            g = await groups.get(conn, self.group_id)
        schedule = due.schedule_for(self.rt, g) if g is not None else None
        with self.term.speaking():
            when = self.local(now)
            if g is None or schedule is None:
                return _("{when} in {timezone}").format(when=when, timezone=self.tz.key)
            return _(
                "{when} in {timezone}; {group} meets on {day} at {time}, week {week} of {weeks}"
            ).format(
                when=when,
                timezone=self.tz.key,
                group=g.name,
                day=get_day_names("wide", locale=self.term.lang)[schedule.meet_weekday],
                time=format_clock(schedule.meet_time, self.term.lang),
                week=schedule.current_week(now),
                weeks=schedule.weeks,
            )

    # --- people acting -------------------------------------------------------------------

    def become(self, persona: Persona) -> None:
        self._meet(persona)
        self.current = persona
        with self.term.speaking():
            self.term.info(
                _("(you are now {who}: {name}, Telegram id {id})").format(
                    who=persona.label, name=persona.first_name, id=persona.user_id
                )
            )
        self.show()

    def expand(self, text: str) -> str:
        """{invite}: the demo group's code; {link}: the code of Foyer's latest invite link."""
        text = text.replace("{invite}", self.invite)
        if "{link}" in text:
            text = text.replace("{link}", self._latest_link_code())
        return text

    def _latest_link_code(self) -> str:
        for call in reversed(self.emu.calls()):
            if call.method in ("sendMessage", "editMessageText") and call.status == 200:
                found = _START_LINK.search(str(call.params.get("text", "")))
                if found:
                    return found.group(1)
        raise SandboxProblem("{link}: Foyer has not sent an invite link yet")

    async def send_text(self, text: str) -> None:
        text = self.expand(text)
        self._meet(self.current)
        if self.echo:
            self.term.sent(self.current, text)
        self.emu.send_text(self.current.user_id, text)
        await self.settle()
        self.show()

    async def send_media(self, action: script.Photo | script.Voice) -> None:
        self._meet(self.current)
        uid = self.current.user_id
        with self.term.speaking():
            if isinstance(action, script.Photo):
                caption = f" {action.caption}" if action.caption else ""
                self.term.sent(self.current, "[" + _("photo") + "]" + caption)
                self.emu.send_photo(uid, caption=action.caption)
            else:
                seconds = _("voice note, {n} s").format(n=action.seconds)
                self.term.sent(self.current, f"[{seconds}]")
                self.emu.send_voice(uid, action.seconds)
        await self.settle()
        self.show()

    def _with_buttons(self) -> Message | None:
        live = [m for m in self.emu.state.bot_messages(self.current.user_id) if m.reply_markup]
        return live[-1] if live else None

    async def press(self, number: int) -> None:
        message = self._with_buttons()
        buttons = message.buttons if message is not None else []
        if message is None or not 1 <= number <= len(buttons):
            if self.interactive:
                # "Tap a number, or type it if it is not here": typed, it is the person's text.
                with self.term.speaking():
                    self.term.info(
                        _("(no button {n}: sent as text, as :say {n} does)").format(n=number)
                    )
                await self.send_text(str(number))
                return
            if message is None:
                raise SandboxProblem(
                    f"no buttons to press: {self.current.label} has none on screen "
                    f"(to send {number} as text: :say {number})"
                )
            raise SandboxProblem(
                f"no button {number}: Foyer's latest message with buttons has 1 to {len(buttons)} "
                f"(to send {number} as text: :say {number})"
            )
        label, data = buttons[number - 1]
        self.term.sent(self.current, f"[{number}] {label}")
        if data is None or is_link(data):
            with self.term.speaking():
                self.term.info(_("(this button opens a link: {url})").format(url=data))
            return
        query_id = self.emu.press_button(self.current.user_id, message.message_id, data)
        await self.settle()
        answer = self.emu.state.callbacks[query_id].answer or {}
        if answer.get("text"):
            self.term.callback_answer(str(answer["text"]), bool(answer.get("show_alert")))
        self.show()

    async def join(self) -> None:
        """The join dialogue with the first choice at each step (the persona's language)."""
        persona = self.current
        self._meet(persona)
        with self.term.speaking():
            note = _("(:join answers each question)")
        self.term.sent(persona, f"/start {self.invite}  {note}")
        before = {m.message_id for m in self.emu.state.bot_messages(persona.user_id)}
        self.emu.send_text(persona.user_id, f"/start {self.invite}")
        await self.settle()
        replies = [
            m for m in self.emu.state.bot_messages(persona.user_id) if m.message_id not in before
        ]
        dialogue = next((m for m in replies if m.reply_markup), None)
        for _step in range(_MAX_JOIN_STEPS):
            if dialogue is None:
                break
            current = self.emu.message(persona.user_id, dialogue.message_id)
            choices = [(label, data) for label, data in current.buttons if not is_link(data)]
            if not choices or current.deleted:
                break
            self._seen_silently(persona)
            wanted = LANGUAGE_NAMES.get(self.lang)
            _label, data = next(((lb, d) for lb, d in choices if lb == wanted), choices[0])
            self.emu.press_button(persona.user_id, current.message_id, data)
            await self.settle()
            if self.emu.message(persona.user_id, current.message_id).revision == current.revision:
                break  # Foyer did not move on (the answer says why)
        self.show()

    def who(self) -> None:
        with self.term.speaking():
            for persona in sorted(self._known.values(), key=lambda p: p.user_id):
                who = _("{name}, Telegram id {id}").format(
                    name=persona.first_name, id=persona.user_id
                )
                here = "  " + _("<- you") if persona == self.current else ""
                self.term.line(f"  {self.term.mark(persona)} {who}{here}")

    def set_lang(self, code: str) -> None:
        self.lang = code
        with self.term.speaking():
            self.term.info(
                _("(people who appear from now on use Telegram in {language})").format(
                    language=LANGUAGE_NAMES[code]
                )
            )

    async def perform(self, action: script.Action) -> bool:
        """Play one action; False when the session should end."""
        match action:
            case script.Quit():
                return False
            case script.As(persona=persona):
                self.become(persona)
            case script.Say(text=text):
                await self.send_text(text)
            case script.Press(number=number):
                await self.press(number)
            case script.Advance(delta=delta):
                await self.advance(delta)
            case script.Now():
                line = await self.now_line()
                with self.term.speaking():
                    self.term.info(_("(now: {when})").format(when=line))
            case script.Photo() | script.Voice():
                await self.send_media(action)
            case script.Join():
                await self.join()
            case script.Lang(code=code):
                self.set_lang(code)
            case script.Narrate(text=text):
                self.term.narrate(text)
            case script.Help():
                with self.term.speaking():
                    self.term.line(script.help_text())
            case script.Who():
                self.who()
            case script.Files():
                self.files()
        return True

    def banner(self, interactive: bool) -> None:
        with self.term.speaking():
            self._banner(interactive)

    def _banner(self, interactive: bool) -> None:
        self.term.heading(_("Foyer sandbox"))
        self.term.info(
            _("Telegram is simulated on this computer: no bot token, no network, nobody real.")
        )
        self.term.info(
            _("Demo group: {group}, {timezone}. The facilitator runs the group.").format(
                group=self.group_name, timezone=self.tz.key
            )
        )
        self.term.info(
            _(
                "Its invite code is {code}. In what you type, {placeholder} stands for this "
                "code: /start {placeholder} is what a man's phone sends when he opens the "
                "group's invite link."
            ).format(code=self.invite, placeholder="{invite}")
        )
        self.term.info(
            _("(now: {when})").format(
                when=_("{when} in {timezone}").format(
                    when=self.local(self.clock.now()), timezone=self.tz.key
                )
            )
        )
        if self.files_dir is not None:
            self.term.info(
                _(
                    "Files Foyer sends (charts, CSV exports, /mydata) are saved in {folder}; "
                    ":files lists them."
                ).format(folder=self.files_dir)
            )
        if interactive:
            self.term.info(
                _(
                    "You are member 1. Type a number to press a button, text to write to "
                    "Foyer, :help for everything else, :quit to leave."
                )
            )


@contextlib.asynccontextmanager
async def open_sandbox(options: Options, term: Terminal) -> AsyncIterator[Sandbox]:
    """The emulator and Foyer running, the world seeded; both stopped on the way out."""
    clock = OffsetClock(start_moment(date.today(), ZoneInfo(TIMEZONE)))
    async with BotAPIEmulator(
        bot_username="foyer_sandbox_bot", bot_name="Foyer", clock=clock.now
    ) as emu:
        app = build_application(sandbox_settings(emu, options.database_url), clock=clock)
        term.lang = options.lang  # the sandbox's own words follow --lang
        sandbox = Sandbox(emu, app, clock, term, options.lang)
        sandbox.files_dir = options.files_dir
        try:
            await sandbox.seed(options)
        except BaseException:
            await runtime_of(app).engine.dispose()
            raise
        async with running(app, poll_timeout=1):
            await sandbox.settle()
            yield sandbox


def database_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path.resolve()}"
