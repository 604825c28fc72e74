"""Every Qt widget of the kiosk: the main window, one module per screen, the theme, the keypad,
and the bridge that turns core events into Qt signals (DESIGN.md §2, §6)."""
