"""The durable, encrypted local queue and its sync to the central platform (DESIGN.md §4).

Free of Qt, of the core and of the devices; the store arrives with the queue issue.
"""
