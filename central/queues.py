"""A site's ticket queues on a day, tallied from the `ticket` and `ticket_call` records.

A ticket waits from its `ticket` record until a `ticket_call` record names the same ticket and
date. Tickets are told apart by their number on that day at that site.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from offline_queue.wire import MAX_WAITING_LISTED, BusinessQueue


@dataclass(frozen=True, slots=True)
class Issued:
    business: str
    ticket: str
    created: str  # the record's time, as the kiosk wrote it


def tally(issued: Iterable[Issued], called: Iterable[str]) -> list[BusinessQueue]:
    """One queue per business, in name order: the tickets waiting, first issued first, and
    the one issued last."""
    done = set(called)
    waiting: dict[str, dict[str, Issued]] = {}
    last: dict[str, Issued] = {}
    for ticket in issued:
        waiting.setdefault(ticket.business, {})
        if ticket.ticket not in done:
            waiting[ticket.business][ticket.ticket] = ticket
        latest = last.get(ticket.business)
        if latest is None or (ticket.created, ticket.ticket) > (latest.created, latest.ticket):
            last[ticket.business] = ticket
    queues = []
    for business, ticket in sorted(last.items()):
        order = sorted(waiting[business].values(), key=lambda t: (t.created, t.ticket))
        queues.append(
            BusinessQueue(
                business=business,
                waiting=len(order),
                last_ticket=ticket.ticket,
                waiting_tickets=[t.ticket for t in order[:MAX_WAITING_LISTED]],
            )
        )
    return queues
