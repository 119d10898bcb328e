"""What Foyer leans on and that knows nothing of its people: HTTP, Telegram's flood waits,
the clock, logging, start-up reach, and the order in which updates are handled."""
