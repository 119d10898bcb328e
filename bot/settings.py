"""All configuration, read once at the edge (CLI) and passed inward."""

from __future__ import annotations

import re
from importlib.util import find_spec
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.domain.languages import SUPPORTED_LANGUAGES

TELEGRAM_BOT_API_URL = "https://api.telegram.org"
# The async drivers Foyer runs on; any other (postgresql:// means psycopg2) fails at first use.
DATABASE_SCHEMES = ("sqlite+aiosqlite://", "postgresql+asyncpg://")


def check_database_url(v: str) -> str:
    """A database URL Foyer can open (FOYER_DATABASE_URL, `db copy --to`), or ValueError."""
    if "://" not in v:
        raise ValueError("must be a URL such as sqlite+aiosqlite:///foyer.db")
    if not v.startswith(DATABASE_SCHEMES):
        raise ValueError(
            "must start with sqlite+aiosqlite:// or postgresql+asyncpg:// "
            "(e.g. postgresql+asyncpg://foyer:PASSWORD@HOST/foyer)"
        )
    if v.startswith("postgresql") and find_spec("asyncpg") is None:
        raise ValueError("PostgreSQL needs its driver: pip install 'foyer[postgres]'")
    return v


class SettingsError(Exception):
    """A bad setting; the message is one line naming it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FOYER_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    bot_token: str | None = None
    database_url: str = "sqlite+aiosqlite:///foyer.db"
    bot_api_url: str = TELEGRAM_BOT_API_URL
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    tick_seconds: float = Field(default=60.0, gt=0, le=3600)
    default_language: str = "en"
    grace_hours: float = Field(default=24.0, ge=0, le=24 * 14)
    content_dir: Path | None = None
    # bm -> fr -> en: a Bambara reader never sees a hole where a string is not yet reviewed.
    language_fallbacks: Annotated[dict[str, str], NoDecode] = {"bm": "fr"}
    # Messages the sender has between taking and recording them: a crash repeats at most
    # this many. More than http_concurrency, so the lanes go on sending while their records
    # wait to share a commit.
    send_concurrency: int = Field(default=32, ge=1, le=64)
    # Bot API calls in flight at once, replies and sends together (getUpdates aside). Four
    # cover Telegram's 30 messages a second up to a 130 ms round trip; raise it if farther.
    http_concurrency: int = Field(default=4, ge=1, le=64)
    # A sender not seen for this long is taken for dead, and the messages it was sending go
    # back to the outbox for another worker (several workers on one PostgreSQL database).
    worker_lease_seconds: float = Field(default=30.0, ge=1, le=3600)
    rate_limit: bool = True
    # Updates one person may send a minute (and at once); past it they are asked once to slow
    # down and the rest are dropped unread (/help and the safe word are always answered).
    updates_per_minute: int = Field(default=20, ge=1, le=6000)
    checkin_after_days: int = Field(default=3, ge=1, le=6)
    # Group reports show any count below this as "<N", so nobody can be singled out.
    min_count: int = Field(default=3, ge=1, le=100)
    # Safety and privacy (docs/data-protection.md says why each default is what it is).
    safe_word: str | None = None  # a neutral word that shows the help resources, e.g. "mango"
    safeguarding_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    concern_retention_days: int = Field(default=180, ge=7, le=3650)
    concern_response_days: int = Field(default=7, ge=1, le=60)
    # A year: long enough for a 12-week programme, its follow-up sessions and a pause, short
    # enough that a phone number id does not linger for years after someone drifted away.
    member_retention_days: int = Field(default=365, ge=30, le=3650)
    # A facilitator's broadcast text is kept this long after its delivery summary (enough to
    # answer "what did you send?"), then deleted; unsent drafts go after a day.
    broadcast_retention_days: int = Field(default=7, ge=1, le=365)
    # Webhook mode (docs/deploy.md): Telegram posts updates to this public HTTPS URL, which a
    # reverse proxy passes to FOYER_WEBHOOK_LISTEN. Unset: Foyer polls, the default.
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1:8443"
    # Telegram sends it with every update; a request without it is refused (403).
    webhook_secret: str | None = Field(default=None, validate_default=True)
    # Prometheus metrics on this host:port (text format); unset: none.
    metrics_listen: str | None = None

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        bot_id, _, secret = v.partition(":")
        if not bot_id.isdigit() or not secret:
            raise ValueError("does not look like a token from @BotFather (digits:secret)")
        return v

    @field_validator("database_url")
    @classmethod
    def _db_url(cls, v: str) -> str:
        return check_database_url(v)

    @field_validator("bot_api_url")
    @classmethod
    def _api_url(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return v.rstrip("/")

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        v = v.strip()
        local = v.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]"))
        if not v.startswith("https://") and not local:
            raise ValueError("must be a public https:// URL (Telegram posts only to HTTPS)")
        return v

    @field_validator("webhook_listen", "metrics_listen")
    @classmethod
    def _listen(cls, v: str | None, info: ValidationInfo) -> str | None:
        if (v is None or not v.strip()) and info.field_name == "metrics_listen":
            return None  # no metrics
        host_port(v or "")
        return (v or "").strip()

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is None or not v:
            if info.data.get("webhook_url"):
                raise ValueError(
                    "is required with FOYER_WEBHOOK_URL: 20 to 256 letters, digits, _ or -, "
                    "e.g. from: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
                )
            return None
        if not re.fullmatch(r"[A-Za-z0-9_-]{20,256}", v):
            raise ValueError("must be 20 to 256 letters, digits, _ or - (Telegram's rule)")
        return v

    @field_validator("admin_ids", "safeguarding_ids", mode="before")
    @classmethod
    def _ids(cls, v: object) -> object:
        if isinstance(v, str):
            parts = [p.strip() for p in v.replace(";", ",").split(",") if p.strip()]
            if not all(p.lstrip("-").isdigit() for p in parts):
                raise ValueError("must be Telegram user ids separated by commas")
            return frozenset(int(p) for p in parts)
        return v

    @field_validator("safe_word")
    @classmethod
    def _safe_word(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        word = v.strip()
        if not word.isalpha() or not 3 <= len(word) <= 30:
            raise ValueError("must be one ordinary word of 3 to 30 letters, such as mango")
        from bot.domain.words import command_for_word

        if command_for_word(word) is not None:
            raise ValueError("must not be one of Foyer's command words; pick a neutral word")
        return word

    @field_validator("default_language")
    @classmethod
    def _lang(cls, v: str) -> str:
        if v not in SUPPORTED_LANGUAGES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LANGUAGES)}")
        return v

    @field_validator("language_fallbacks", mode="before")
    @classmethod
    def _fallbacks(cls, v: object) -> object:
        if isinstance(v, str):
            pairs: dict[str, str] = {}
            for item in filter(None, (p.strip() for p in v.split(","))):
                src, sep, dst = item.partition(":")
                if not sep or src not in SUPPORTED_LANGUAGES or dst not in SUPPORTED_LANGUAGES:
                    raise ValueError("must look like bm:fr,fr:en with supported languages")
                pairs[src] = dst
            return pairs
        return v

    @field_validator("content_dir")
    @classmethod
    def _content_dir(cls, v: Path | None) -> Path | None:
        if v is not None and not v.is_dir():
            raise ValueError(f"{v} is not a folder")
        return v

    @property
    def bot_api_base_url(self) -> str:
        return f"{self.bot_api_url}/bot"

    @property
    def bot_api_file_url(self) -> str:
        return f"{self.bot_api_url}/file/bot"

    def token_or_raise(self) -> str:
        if not self.bot_token:
            raise SettingsError(
                "FOYER_BOT_TOKEN is not set: talk to @BotFather in Telegram, send /newbot, "
                "and put the token it gives you in FOYER_BOT_TOKEN (or in a .env file)"
            )
        return self.bot_token


def host_port(v: str) -> tuple[str, int]:
    """ "127.0.0.1:8443" as ("127.0.0.1", 8443), or ValueError."""
    host, sep, port = v.strip().rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("must be host:port, such as 127.0.0.1:8443")
    return host.strip("[]"), int(port)


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning the first validation error into one readable line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        name = "FOYER_" + str(err["loc"][0]).upper() if err["loc"] else "a FOYER_ setting"
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"{name}: {msg}") from None
