"""Extractors: one per file format, registered by file suffix (see `base.EXTRACTORS`)."""

from investigator.config.extractors import launch as _launch  # noqa: F401  (registers)
from investigator.config.extractors import python as _python  # noqa: F401  (registers)
from investigator.config.extractors import structured as _structured  # noqa: F401  (registers)
from investigator.config.extractors.base import EXTRACTORS, ExtractError, ParsedFile, extractor_for

__all__ = ["EXTRACTORS", "ExtractError", "ParsedFile", "extractor_for"]
