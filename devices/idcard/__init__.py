"""The resident ID card reader: SAM serial protocol (GA 467), DESIGN.md §3."""
