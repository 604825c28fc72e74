"""Screens for the steps of a service's flow, by step kind (DESIGN.md §5).

`STEP_SCREENS` is the registry the visit is told about: a service is startable only when every
step of its flow has a screen here.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from screens.confirm import ConfirmStep
from screens.context import ScreenContext
from screens.face_step import FaceStep
from screens.form_step import FormStep
from screens.identify import IdentifyStep
from screens.work_steps import WorkStep

STEP_SCREENS: dict[str, Callable[[ScreenContext], QWidget]] = {
    "identify": IdentifyStep,
    "verify_face": FaceStep,
    "fetch": WorkStep,
    "form": FormStep,
    "confirm": ConfirmStep,
    "submit": WorkStep,
    "print": WorkStep,
}
