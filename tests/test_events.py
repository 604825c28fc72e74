"""The core's event bus."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from kiosk.events import EventBus


@dataclass
class Ping:
    n: int


@dataclass
class LoudPing(Ping):
    pass


def test_handlers_get_events_of_their_type_and_subtypes() -> None:
    bus = EventBus()
    pings: list[Ping] = []
    louds: list[Ping] = []
    bus.subscribe(Ping, pings.append)
    bus.subscribe(LoudPing, louds.append)
    bus.publish(Ping(1))
    bus.publish(LoudPing(2))
    bus.publish("not a ping")
    assert pings == [Ping(1), LoudPing(2)]
    assert louds == [LoudPing(2)]


def test_a_failing_handler_does_not_stop_the_others_or_the_publisher(caplog) -> None:
    bus = EventBus()
    got: list[Ping] = []

    def broken(event: Ping) -> None:
        raise RuntimeError("boom")

    bus.subscribe(Ping, broken)
    bus.subscribe(Ping, got.append)
    bus.publish(Ping(1))
    assert got == [Ping(1)]
    assert "boom" in caplog.text


def test_unsubscribe_stops_delivery() -> None:
    bus = EventBus()
    got: list[Ping] = []
    unsubscribe = bus.subscribe(Ping, got.append)
    unsubscribe()
    unsubscribe()  # twice is harmless
    bus.publish(Ping(1))
    assert got == []


def test_publishing_from_many_threads_delivers_everything() -> None:
    bus = EventBus()
    got: list[Ping] = []
    lock = threading.Lock()

    def record(event: Ping) -> None:
        with lock:
            got.append(event)

    def publish_many(k: int) -> None:
        for i in range(500):
            bus.publish(Ping(k * 1000 + i))

    bus.subscribe(Ping, record)
    threads = [threading.Thread(target=publish_many, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(e.n for e in got) == sorted(k * 1000 + i for k in range(4) for i in range(500))
