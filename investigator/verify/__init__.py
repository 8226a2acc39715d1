"""Proven causes (`--verify`): restore a finding at the candidate, train again, measure the recovery.

`recovery` holds the statistics, `variants` the restored checkouts, `run` the experiment, `report`
the section and its chart, `rank` how the verdicts move the findings, `node` the workflow step.
"""
