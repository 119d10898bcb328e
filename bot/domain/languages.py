"""The languages Foyer speaks: English is the source, then French, Spanish and Bambara."""

SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "fr", "es", "bm")
