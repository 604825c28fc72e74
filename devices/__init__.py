"""Device adapters (ID card reader, scanners, camera, printers) and their simulators.

No Qt widgets here (DESIGN.md §2, §3); the adapters arrive with the device-layer issue.
"""
