"""How a command says "you can fix this": one line, exit code 2, no traceback."""

EXIT_USAGE = 2


class CliError(Exception):
    """A problem the user can fix: printed as one line, exit code 2."""
