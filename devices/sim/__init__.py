"""Simulators that speak the real protocols on real pseudo-terminals and sockets (DESIGN.md §3).

Each module (`idcard`, `scanner`, `printer`, `camera`) has a simulator class the tests and the
kiosk (for devices with `simulated = true`) start in-process, and `add_arguments(parser)` plus
`run(args)` for `python -m devices.sim KIND ...`.
"""
