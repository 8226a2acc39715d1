"""Noise-tolerant bisection of a training regression over a commit range (issue 15)."""
