"""investigator: diagnoses why RL training got worse between two commits."""

__version__ = "0.1.0"
