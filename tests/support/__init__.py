"""Test support: repository builders, the detector evaluation suite and synthetic training logs.

Why here and not in `investigator/`: these generate inputs for tests and benchmarks; the product
never imports them (tests/test_package_layout.py checks that). Benchmarks import them as
`tests.support.<module>` with the repository root on `sys.path`.
"""
