"""investigator: diagnoses why RL training got worse between two commits."""

from investigator import fastwalk as _fastwalk

__version__ = "0.1.0"

_fastwalk.install()  # same nodes, same order as `ast.walk`, half the time (investigator/fastwalk.py)
