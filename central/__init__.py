"""The reference central platform the kiosks sync with (DESIGN.md §4).

It shares only the wire format (`offline_queue/wire.py`) with the kiosk packages.

`python -m central` serves it (`__main__`); `app` has the routes, `storage` the SQLite database,
`ingest` the checks of a batch against a kiosk's chain, `auth` the kiosk signatures, `eid` the
demo e-ID issuer, `citizens` the demo citizens, `page` the kiosk list as HTML, `errors` the
`Problem` answers, `models` what only the platform speaks.
"""
