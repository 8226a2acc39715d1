"""Learning-signal data flow: what each statement's value reaches in training, at one commit.

`units.py` cuts functions into statement units with their definitions and uses; `graph.py`
follows values from a unit to the loss, optimizer, environment and sampling sinks (or to logging)
across functions, methods, attributes and modules; `diff.py` finds the units a change touched;
`analyzer.py` reports every behavioural change on the flow that no detector explained;
`depends.py` checks that what a "verified identical" expression depends on is unchanged.
"""
