"""The kiosk core: visit state machine, service catalog, i18n, settings and the event bus.

Nothing in this package imports Qt (DESIGN.md §2); the screens observe it through the bus.
"""
