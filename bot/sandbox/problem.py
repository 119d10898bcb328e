"""What the sandbox says when a line asks for something that cannot be done."""


class SandboxProblem(Exception):
    """Something a line asked for that cannot be done now (no such button...)."""
