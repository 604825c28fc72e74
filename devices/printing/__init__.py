"""Printing: one document model, rendered to ESC/POS for receipt printers and to PDF for A4.

`document` is the model the kiosk builds (no Qt, no printer details); `escpos` and `pdf` render
it; `receipt` and `a4` are the device adapters that queue and deliver print jobs.
"""
