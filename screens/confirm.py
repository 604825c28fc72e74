"""Check before it is done: what will be submitted or printed, identity numbers masked."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QWidget

from kiosk.i18n import Translator
from kiosk.visit import VisitSnapshot
from screens.context import ScreenContext
from screens.widgets import Screen, button, label, scrolling


def summary_rows(snap: VisitSnapshot, tr: Translator) -> list[tuple[str, str]]:
    """What the confirm page shows: the person, the platform's record, the answers. Values
    are the citizen's own data or texts of the catalog in the visit's language."""
    service, case = snap.service, snap.case
    assert service is not None
    rows: list[tuple[str, str]] = []
    if case.citizen is not None:
        rows.append((tr("confirm.name"), case.citizen.name))
        rows.append((tr("confirm.id_number"), case.citizen.masked_number))
    if case.proxy is not None:
        rows.append((tr("confirm.proxy"), f"{case.proxy.name} {case.proxy.masked_number}"))
    if case.eid is not None:
        rows.append((tr("confirm.eid_checked"), tr(f"confirm.checked_{case.eid.checked}")))
    record = case.platform
    if record is not None:
        insurance = record.social_insurance
        rows.append((tr("confirm.insurance"), tr(f"confirm.insurance_{insurance.status}")))
        rows.append((tr("confirm.insured_since"), insurance.insured_since or "—"))
        rows.append((tr("confirm.region"), insurance.region))
        for year in insurance.contributions[-3:]:
            months = tr("confirm.months", months=year.months)
            rows.append((str(year.year), f"{months} · {year.employer}"))
    for field in service.fields:
        value = case.values.get(field.id, "")
        if field.prefill.startswith("card."):
            continue  # shown above from the card
        if field.kind == "choice":
            value = next((tr.pick(o.label) for o in field.options if o.id == value), value)
        elif field.kind == "photo":
            value = tr("confirm.photo_taken") if case.photo else ""
        elif field.kind == "date" and len(value) == 8 and value.isdigit():  # as forms checked
            value = tr("confirm.date", year=value[:4], month=value[4:6], day=value[6:])
        elif field.kind == "phone" and len(value) == 11:
            value = f"{value[:3]}****{value[7:]}"
        rows.append((tr.pick(field.label), value))
    for item in service.items:
        rows.append((tr("confirm.item"), tr.pick(item.name)))
    return rows


class ConfirmStep(Screen):
    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(*ctx.screen_args())
        tr, snap, theme = ctx.tr, ctx.snapshot, ctx.theme
        service = snap.service
        assert service is not None
        self.add(tr("confirm.title"), "title")
        self.add(tr.pick(service.name), "heading")
        self.add(tr("confirm.body"))
        table = QWidget()
        grid = QGridLayout(table)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(theme.gap_px)
        grid.setVerticalSpacing(theme.gap_px // 2)
        rows = summary_rows(snap, tr)
        for row, (key, value) in enumerate(rows):
            grid.addWidget(label(key, "muted"), row, 0)
            grid.addWidget(label(value, data=(value,)), row, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(len(rows), 1)  # rows at the top, not spread over the page
        self.column.addWidget(scrolling(table), 1)
        self.column.addWidget(button(tr("confirm.ok"), ctx.visit.step_done))
