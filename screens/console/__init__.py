"""The technician's console (issue 6, DESIGN.md §3, §7): one module per page, each an overlay
reached from the technician's menu (screens/technician.py). What the pages show and do comes
from `kiosk.console.ConsoleTools`, handed over by the composition root as the parts come up."""
