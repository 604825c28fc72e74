"""The records a visit leaves in the offline queue (DESIGN.md §4, §5): one per service, three
linked ones for a bundle ("一件事"), and the rating, assist requests and audit entries.

Payloads hold what the platform needs to act, including the citizen's number: they are sealed
in the queue and go only to the platform. Every payload carries the case number and, when a
helper or a proxy acted, who it was and the audit trail of what they did.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from kiosk.case import AuditEntry, Case, Person
from kiosk.catalog import Service
from kiosk.ports import Payload

if TYPE_CHECKING:  # the counter builds its records here
    from kiosk.counter import RatingDraft

Record = tuple[str, Payload]


def timestamp(moment: datetime) -> str:
    """The wire's timestamp form (offline_queue.wire.utc_timestamp, without loading pydantic)."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class RecordBuilder:
    def __init__(self, site_id: str, site_day: Any) -> None:
        self.site_id = site_id
        self._site_day = site_day  # Callable[[datetime], date]: the site's calendar day

    def records(self, service: Service, case: Case, now: datetime) -> list[Record]:
        common = self._common(service, case, now)
        if "ticket" in service.produces and case.ticket is not None:
            ticket = case.ticket
            day: date = self._site_day(now)
            return [
                (
                    "ticket",
                    {
                        **common,
                        "ticket": ticket.number,
                        "business": ticket.business,
                        "window_group": ticket.window_group,
                        "date": day.isoformat(),
                        "issued": timestamp(now),
                    },
                )
            ]
        if service.identity == "id_card_face":
            return [("authentication", {**common, **self._face(case)})]
        application = {**common, "values": dict(case.values)}
        if case.photo:
            application["photo_jpeg"] = base64.b64encode(case.photo).decode("ascii")
        if not service.items:
            return [("application", application)]
        items = [(item.id, f"{case.case_number}-{n}") for n, item in enumerate(service.items, 1)]
        return [
            (
                "application",
                {
                    **application,
                    "item": item_id,
                    "item_case_number": item_case,
                    "bundle": [case_ for _, case_ in items],
                },
            )
            for item_id, item_case in items
        ]

    def rating(
        self,
        service_id: str,
        case_number: str,
        level: int,
        indicators: Mapping[str, int],
        reason: str,
        callback: str,
        audit: tuple[AuditEntry, ...],
        now: datetime,
    ) -> Record:
        payload: dict[str, Any] = {
            "site_id": self.site_id,
            "service_id": service_id,
            "case_number": case_number,
            "level": level,
            "indicators": dict(indicators),
            "channel": "kiosk",
            "at": timestamp(now),
        }
        if reason:
            payload["reason"] = reason
        if callback:
            payload["callback_phone"] = callback
        if audit:
            payload["audit"] = _audit(audit)
        return ("rating", payload)

    # -- a service window (kiosk/counter.py) ----------------------------------------------

    def ticket_call(
        self, ticket: str, window: str, staff_id: str, action: str, now: datetime, **more: str
    ) -> Record:
        """`action`: call, recall, skip or transfer (with `to_window`); `source` says where a
        called ticket came from: the platform's queue, or the window's own count offline."""
        payload = {
            "site_id": self.site_id,
            "ticket": ticket,
            "date": self._site_day(now).isoformat(),
            "window": window,
            "staff_id": staff_id,
            "action": action,
            **more,
            "at": timestamp(now),
        }
        return ("ticket_call", payload)

    def case_closure(
        self,
        case_number: str,
        ticket: str | None,
        citizen: Person,
        accepted: tuple[str, ...],
        window: str,
        staff_id: str,
        now: datetime,
    ) -> Record:
        payload: dict[str, Any] = {
            "site_id": self.site_id,
            "case_number": case_number,
            "subject": _person(citizen),
            "accepted": list(accepted),  # the case numbers of the applications taken in
            "window": window,
            "staff_id": staff_id,
            "at": timestamp(now),
        }
        if ticket:
            payload["ticket"] = ticket
        return ("case_closure", payload)

    def window_rating(
        self, case_number: str, rating: RatingDraft, window: str, staff_id: str, now: datetime
    ) -> Record:
        payload: dict[str, Any] = {
            "site_id": self.site_id,
            "service_id": "window",
            "case_number": case_number,
            "level": rating.level,
            "indicators": dict(rating.indicators),
            "channel": "window",
            "window": window,
            "staff_id": staff_id,
            "at": timestamp(now),
        }
        if rating.reason:
            payload["reason"] = rating.reason
        if rating.callback:
            payload["callback_phone"] = rating.callback
        return ("rating", payload)

    def assist_request(self, phase: str, service_id: str | None, now: datetime) -> Record:
        return (
            "assist_request",
            {
                "site_id": self.site_id,
                "phase": phase,
                "service_id": service_id,
                "at": timestamp(now),
            },
        )

    def audit(self, action: str, staff_id: str, now: datetime, detail: str = "") -> Record:
        payload = {"site_id": self.site_id, "action": action, "staff_id": staff_id}
        if detail:
            payload["detail"] = detail
        return ("audit", {**payload, "at": timestamp(now)})

    def _common(self, service: Service, case: Case, now: datetime) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "site_id": self.site_id,
            "service_id": service.id,
            "case_number": case.case_number,
            "at": timestamp(now),
        }
        if case.citizen is not None:
            payload["subject"] = _person(case.citizen)
        if case.proxy is not None:
            payload["proxy"] = _person(case.proxy)
            payload["consent"] = case.consent
        if case.eid is not None:
            payload["identified_by"] = f"eid_code:{case.eid.checked}"
        elif case.citizen is not None:
            payload["identified_by"] = "id_card"
        if case.audit:
            payload["audit"] = _audit(case.audit)
            helpers = sorted({e.actor for e in case.audit if e.actor.startswith("helper:")})
            if helpers:
                payload["assisted_by"] = [h.removeprefix("helper:") for h in helpers]
        return payload

    def _face(self, case: Case) -> dict[str, Any]:
        face = case.face
        if face is None:
            return {}
        result: dict[str, Any] = {
            "face": {"liveness": face.liveness, "match": face.match, "comparator": face.comparator}
        }
        if face.match is None:  # compared by the platform when the record arrives
            result["face"]["photo_jpeg"] = base64.b64encode(face.photo).decode("ascii")
        return result


def _person(person: Person) -> dict[str, Any]:
    return {"id_number": person.id_number, "name": person.name, "card_type": person.card_type}


def _audit(entries: tuple[AuditEntry, ...]) -> list[dict[str, str]]:
    return [{"at": e.at, "actor": e.actor, "action": e.action} for e in entries]
