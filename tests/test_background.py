"""Slow work leaves the GUI thread and its outcome comes back to it."""

from __future__ import annotations

import threading

from screens.background import run_in_background


def test_work_runs_off_the_gui_thread_and_its_result_arrives_on_it(qtbot) -> None:
    gui = threading.current_thread()
    ran_on: list[threading.Thread] = []
    delivered_on: list[threading.Thread] = []
    results: list[int] = []

    def work() -> int:
        ran_on.append(threading.current_thread())
        return 42

    def done(result: int) -> None:
        delivered_on.append(threading.current_thread())
        results.append(result)

    run_in_background("test", work, done, lambda error: None)
    qtbot.waitUntil(lambda: results == [42], timeout=5000)
    assert ran_on[0] is not gui and delivered_on == [gui]


def test_a_failure_is_delivered_instead_of_escaping_the_thread(qtbot) -> None:
    errors: list[Exception] = []

    def work() -> int:
        raise ValueError("broken option")

    run_in_background("test", work, lambda result: None, errors.append)
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=5000)
    assert str(errors[0]) == "broken option"
