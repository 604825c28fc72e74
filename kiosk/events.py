"""A small, thread-safe, Qt-free event bus.

Publishers call `publish(event)` from any thread; subscribers are called synchronously in the
publishing thread, in subscription order. The Qt bridge in `screens/` subscribes once and
re-emits events as signals, which Qt delivers to the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

log = logging.getLogger(__name__)

E = TypeVar("E")
Handler = Callable[[Any], None]


class EventBus:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._handlers: dict[type, list[Handler]] = {}

    def subscribe(self, event_type: type[E], handler: Callable[[E], None]) -> Callable[[], None]:
        """Call `handler` for every published event of `event_type` (or a subclass).

        Returns a function that removes the subscription.
        """
        with self._lock:
            self._handlers.setdefault(event_type, []).append(handler)

        def unsubscribe() -> None:
            with self._lock:
                handlers = self._handlers.get(event_type, [])
                if handler in handlers:
                    handlers.remove(handler)

        return unsubscribe

    def publish(self, event: object) -> None:
        with self._lock:
            handlers = [
                h
                for event_type, hs in self._handlers.items()
                if isinstance(event, event_type)
                for h in hs
            ]
        for handler in handlers:
            # One faulty subscriber must not stop the others, nor the publisher (a device
            # thread or the visit machine).
            try:
                handler(event)
            except Exception:
                log.exception("event handler %r failed on %s", handler, type(event).__name__)
