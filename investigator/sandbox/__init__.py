"""Running the user's code: always in a subprocess, in a separate checkout, with a time limit."""

from investigator.sandbox.runner import CommandResult, export_commit, run_isolated

__all__ = ["CommandResult", "export_commit", "run_isolated"]
