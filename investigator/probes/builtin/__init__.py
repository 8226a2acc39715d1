"""The built-in probes, one module each (discovered by the unit registry, kind `probe`)."""
