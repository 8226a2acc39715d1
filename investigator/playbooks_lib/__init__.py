"""Loading and validating the playbooks in the top-level `playbooks/` folder."""

from investigator.playbooks_lib.schema import (
    ConfigKeyRule,
    Hypothesis,
    Playbook,
    PlaybookSet,
    Signals,
    load_playbooks,
)

__all__ = ["ConfigKeyRule", "Hypothesis", "Playbook", "PlaybookSet", "Signals", "load_playbooks"]
