"""`foyer sandbox`: Foyer against the built-in Bot API emulator, played from a terminal.

The bot itself does not know it is in a sandbox: only its clock and its Bot API URL differ.
"""
