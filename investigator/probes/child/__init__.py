"""Child-side probe code: runs only in the probe's own process, with the user's environment.

Standalone on purpose: these modules import the standard library, numpy and torch, never
`investigator` (the user's interpreter may not have it). The parent never imports them.
"""
