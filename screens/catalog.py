"""Choosing a service: tiles with name and summary, a few per page in elder mode."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QHBoxLayout

from kiosk.catalog import Service
from screens.context import ScreenContext
from screens.widgets import CardButton, Screen, button, label

# Elder mode shows at most six choices a screen (§6): four services and the two page buttons.
ELDER_PAGE_SIZE = 4
NORMAL_PAGE_SIZE = 8


def page_size(elder: bool) -> int:
    return ELDER_PAGE_SIZE if elder else NORMAL_PAGE_SIZE


class CatalogScreen(Screen):
    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__(*ctx.screen_args())
        tr, visit, snap, theme = ctx.tr, ctx.visit, ctx.snapshot, ctx.theme
        size = page_size(snap.elder)
        services = visit.services
        pages = max(1, -(-len(services) // size))
        page = min(snap.catalog_page, pages - 1)
        self.column.addWidget(label(tr("catalog.title"), "title"))

        grid = QGridLayout()
        grid.setSpacing(theme.gap_px)
        # Elder tiles are tall: one column in portrait, two side by side in landscape.
        columns = (
            (1 if theme.panel.portrait else 2) if snap.elder else (2 if theme.panel.portrait else 3)
        )
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
        if not ctx.visit.available(service):
            lines.append(label(tr("catalog.coming"), "notice"))
        tile = CardButton(lines, lambda: ctx.visit.choose(service.id), ctx.theme.gap_px // 2)
        tile.setObjectName("ServiceTile")
        return tile
