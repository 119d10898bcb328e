"""Foyer: weekly programmes for men's groups and couples, delivered over Telegram."""

import os

# Opt in to PTB's future behaviour now (RetryAfter.retry_after as a timedelta), which also
# silences its deprecation warning; the sender handles both forms.
os.environ.setdefault("PTB_TIMEDELTA", "1")

__version__ = "0.1.0"
