"""Probe experiments: small programs run at both commits that confirm or refute a hypothesis.

Static evidence says what changed; a probe says whether it matters. Each probe is one unit in
`probes/builtin/` (its metadata, which jobs it runs, how it decides) plus, when it imports the
project's code, a measurement script in `probes/child/` that runs in the child process only.

Nothing here imports the user's code: every job runs in its own process group, in an exported
checkout of its commit, under a time and a memory limit (`probes.runner`), and hands its result
back as a JSON file (`probes.child.harness` writes it). See docs/probes.md.
"""
