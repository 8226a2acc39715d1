"""Errors a user can cause: each carries one clear line for the CLI (exit code 2)."""


class InputError(Exception):
    """Bad input (missing repo, unknown ref, unrelated histories...). The message is user-facing."""
