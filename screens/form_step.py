"""A form, one question per page (DESIGN.md §6): choices as large buttons, numbers on the
keypad, a photo from the camera, Chinese text on the virtual keyboard or by a helper."""

from __future__ import annotations

from functools import partial

from PySide6.QtWidgets import QLineEdit

from kiosk import forms
from kiosk.catalog import Field
from screens.context import ScreenContext
from screens.face_step import FaceCapture
from screens.input_method import virtual_keyboard_available
from screens.keypad import Keypad
from screens.widgets import Screen, button

KEYPAD_LENGTH = {"phone": 11, "date": 8, "number": 18}


def FormStep(ctx: ScreenContext) -> Screen:
    snap, flow = ctx.snapshot, ctx.flow
    assert snap.service is not None and flow is not None
    asked = forms.questions(snap.service, snap.case)
    field = asked[min(snap.page, len(asked) - 1)]
    if field.kind == "photo":

        def taken(jpeg: bytes, _: str) -> None:
            flow.photo_taken(field.id, jpeg)

        return FaceCapture(ctx, ctx.tr.pick(field.label), "", taken)
    return Question(ctx, field, snap.page, len(asked))


class Question(Screen):
    def __init__(self, ctx: ScreenContext, field: Field, index: int, count: int) -> None:
        super().__init__(*ctx.screen_args())
        tr, flow, theme = ctx.tr, ctx.flow, ctx.theme
        assert flow is not None
        self.add(tr("form.progress", index=index + 1, count=count), "muted", speak=False)
        self.add(tr(f"form.ask_{field.kind}", field=tr.pick(field.label)), "title")
        self.add_notice(ctx.notice_text())
        answer = partial(flow.answer, field.id)
        if field.kind == "choice":
            for option in field.options:
                self.column.addWidget(button(tr.pick(option.label), partial(answer, option.id)))
            self.column.addStretch(1)
        elif field.kind in KEYPAD_LENGTH:
            self.add(tr(f"form.hint_{field.kind}"), "muted")
            keypad = Keypad(tr, theme.gap_px, max_length=KEYPAD_LENGTH[field.kind])
            keypad.submitted.connect(answer)
            self.column.addStretch(1)
            self.column.addWidget(keypad)
        elif ctx.snapshot.helper:  # a helper types it (a keyboard or the system's input method)
            self.add(tr("form.helper_types"), "muted")
            line = QLineEdit(ctx.snapshot.case.values.get(field.id, ""))
            line.setObjectName("HelperInput")
            line.setMaxLength(forms.MAX_TEXT)
            line.setAccessibleName(tr.pick(field.label))
            self.column.addWidget(line)
            self.column.addWidget(button(tr("form.next"), lambda: answer(line.text())))
            self.column.addStretch(1)
        elif virtual_keyboard_available():  # Pinyin or English keys; staff can still help
            from screens.text_entry import TextEntry  # QML: loaded when first needed

            self.add(tr("form.hint_text"), "muted")
            entry = TextEntry(
                theme,
                tr,
                ctx.snapshot.language,
                max_length=forms.MAX_TEXT,
                accessible_name=tr.pick(field.label),
                text=ctx.snapshot.case.values.get(field.id, ""),
            )
            entry.submitted.connect(answer)
            self.column.addWidget(entry, 1)
            self.column.addWidget(
                button(tr("form.call_helper"), ctx.visit.request_help, role="secondary")
            )
        else:
            self.add(tr("form.text_needs_helper"))
            self.column.addStretch(1)
            self.column.addWidget(button(tr("form.call_helper"), ctx.visit.request_help))
