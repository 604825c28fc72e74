"""The reference central platform the kiosks sync with (DESIGN.md §4).

It shares only the wire format (`offline_queue/wire.py`) with the kiosk packages.
"""
