"""Names vulture reports as unused that are used by frameworks or by name (vulture's allow-list).

Checked in CI with `vulture investigator vulture_allowlist.py --min-confidence 80`; add a name here
only with the reason it is used.
"""
