"""Regression watch on a branch (issue 18): ticks that measure new commits, bisect a regression,
test the metric history for change points, and notify."""
