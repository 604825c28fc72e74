"""The service window (`mode = "window"`, issue 7): the staff console and the citizen-facing
screen, both drawn from the counter's snapshots (kiosk/counter.py)."""
