"""The ``govsim`` command: one module per command (validate, run, compare, report, warmup,
sweep), :mod:`~sim.cli.common` for what they share, :mod:`~sim.cli.main` for the parser and
the entry point, and :mod:`~sim.cli.schema` for the shipped JSON Schema. No command imports
another."""
