"""Config forensics: the effective configuration of the training entry at both commits, diffed.

Entry points: `analyzer.ConfigForensics` (registered as `config_forensics`) and `analyzer.compare_configs`
for direct use. See docs/config.md.
"""
