"""Errors a user can act on: the CLI prints them as one clear line (exit code 2)."""


class UserError(Exception):
    """Bad arguments, missing input, a run already active: fixable by the user."""
