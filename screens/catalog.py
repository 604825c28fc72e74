"""Choosing a service: tiles with name and summary, a few per page in elder mode."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QHBoxLayout

from kiosk.catalog import Service
from screens.context import ScreenContext
from screens.widgets import CardButton, Screen, button, label


def grid_shape(elder: bool, portrait: bool) -> tuple[int, int]:
    """(columns, rows) of service tiles a page. Elder mode shows at most six choices a screen
    (§6) and its tiles are tall: three services a page, in a column on a portrait panel (under
    the voice controls, with room left for the offline notice) or in one row on a landscape
    one, and the two page buttons."""
    if elder:
        return (1, 3) if portrait else (3, 1)
    return (2, 4) if portrait else (3, 3)


def page_size(elder: bool, portrait: bool) -> int:
    columns, rows = grid_shape(elder, portrait)
    return columns * rows


class CatalogScreen(Screen):
    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(*ctx.screen_args())
        tr, visit, snap, theme = ctx.tr, ctx.visit, ctx.snapshot, ctx.theme
        columns, rows = grid_shape(snap.elder, theme.panel.portrait)
        size = columns * rows
        services = visit.services
        pages = max(1, -(-len(services) // size))
        page = min(snap.catalog_page, pages - 1)
        self.column.addWidget(label(tr("catalog.title"), "title"))

        grid = QGridLayout()
        grid.setSpacing(theme.gap_px)
        for index, service in enumerate(services[page * size : (page + 1) * size]):
            grid.addWidget(self._tile(ctx, service), index // columns, index % columns)
        self.column.addLayout(grid)
        self.column.addStretch(1)

        if pages > 1:
            nav = QHBoxLayout()
            nav.setSpacing(theme.gap_px)
            previous = button(
                tr("catalog.previous"), lambda: visit.show_catalog_page(page - 1), role="secondary"
            )
            previous.setEnabled(page > 0)
            following = button(
                tr("catalog.next"), lambda: visit.show_catalog_page(page + 1), role="secondary"
            )
            following.setEnabled(page < pages - 1)
            nav.addWidget(previous)
            nav.addWidget(label(tr("catalog.page", page=page + 1, pages=pages), center=True))
            nav.addWidget(following)
            self.column.addLayout(nav)

    @staticmethod
    def _tile(ctx: ScreenContext, service: Service) -> CardButton:
        tr = ctx.tr
        lines = [label(tr.pick(service.name), "heading"), label(tr.pick(service.summary), "muted")]
        reason = ctx.visit.unavailable(service)
        if reason:  # said before the citizen starts (DESIGN.md §5)
            lines.append(label(tr(reason.replace("guide.", "catalog.")), "notice"))
        tile = CardButton(lines, lambda: ctx.visit.choose(service.id), ctx.theme.gap_px // 2)
        tile.setObjectName("ServiceTile")
        return tile
