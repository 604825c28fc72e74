"""Screens for the steps of a service's flow, by step kind (DESIGN.md §5).

`STEP_SCREENS` is the registry the flow engine is told about: a service is startable only when
every step of its flow has a screen here. The identify, form, print… steps arrive with the
device, queue and services work; until then those services show as "coming".
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from screens.context import ScreenContext
from screens.widgets import Screen, button, label


class ConfirmStep(Screen):
    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(*ctx.screen_args())
        tr, service = ctx.tr, ctx.snapshot.service
        assert service is not None
        self.column.addWidget(label(tr("confirm.title"), "title"))
        self.column.addWidget(label(tr.pick(service.name), "heading"))
        self.column.addWidget(label(tr("confirm.body")))
        self.column.addStretch(1)
        self.column.addWidget(button(tr("confirm.ok"), ctx.visit.step_done))


STEP_SCREENS: dict[str, Callable[[ScreenContext], QWidget]] = {
    "confirm": ConfirmStep,
}
