"""The resident ID card reader: SAM serial protocol (GA 467), DESIGN.md §3.

- `reader`: the `IdCardReader` device and `build()` for the composition root;
- `card`: the card model (`IdCard`), its `CardRead` event and the text block parser;
- `photo`: the pluggable decoder for the WLT photo;
- `sw3`: every result code as a problem for the technician and a notice for the citizen;
- `session`, `commands`, `frames`: one command and its answer, on the wire;
- `idnumber`, `tables`: the identity number check digit and masking, sex and nation codes.
"""
