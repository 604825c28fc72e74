"""Forms: values prefilled from the card and the platform, the questions left, and validation
that names the field (DESIGN.md §5, §6: one question per page)."""

from __future__ import annotations

import re
from datetime import date

from kiosk.case import Case
from kiosk.catalog import Field, Service

PHONE = re.compile(r"1[3-9]\d{9}")  # a mainland mobile number
MAX_TEXT = 60


def prefilled(service: Service, case: Case) -> Case:
    """The case with every field whose source knows a value filled in (answers kept)."""
    for field in service.fields:
        if field.id in case.values:
            continue
        value = prefill_value(field, case)
        if value:
            case = case.with_value(field.id, value)
    return case


def prefill_value(field: Field, case: Case) -> str:
    source, _, key = field.prefill.partition(".")
    if source == "card" and case.citizen is not None:
        return case.citizen.card_value(key)
    if source == "platform" and case.platform is not None:
        return str(getattr(case.platform, key, "") or "")
    return ""


def questions(service: Service, case: Case) -> list[Field]:
    """The fields the citizen answers: those no card or record can fill."""
    return [f for f in service.fields if not prefill_value(f, case)]


def problem(field: Field, value: str, today: date) -> str | None:
    """Why `value` does not answer `field`, as a catalog key (its text names the field)."""
    value = value.strip()
    if not value:
        return "form.required" if field.required else None
    if field.kind == "phone" and not PHONE.fullmatch(value):
        return "form.bad_phone"
    if field.kind == "number" and not value.isdigit():
        return "form.bad_number"
    if field.kind == "date":
        try:
            day = date(int(value[:4]), int(value[4:6]), int(value[6:8]))
        except ValueError:
            return "form.bad_date"
        if len(value) != 8 or day > today or day.year < 1900:
            return "form.bad_date"
    if field.kind == "text" and len(value) > MAX_TEXT:
        return "form.too_long"
    if field.kind == "choice" and value not in {o.id for o in field.options}:
        return "form.bad_choice"
    return None
