"""Print jobs: a queue every printer adapter shares, and the `PrintFinished` event.

`print(document)` only queues the job and returns its id at once; the adapter's worker thread
renders and delivers it, then announces `PrintFinished` with the same id: `problem` is None
when the job was delivered, else the reason it was not (out of paper, unplugged, does not fit).
No job is ever dropped silently: a job asked for while the printer is closed or unplugged, or
still queued when the connection goes, finishes at once with a problem.
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
from dataclasses import dataclass, field

from devices.device import Device
from devices.model import DeviceEvent, Notice, Problem
from devices.printing.document import Document

STOP_CHECK_S = 0.1  # how soon a worker waiting for jobs notices `close()`


@dataclass(frozen=True)
class PrintFinished(DeviceEvent):
    job: str
    problem: Problem | None = None
    output: str = ""  # where it went: a PDF's path, a CUPS request id

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass
class PrintJob:
    id: str
    document: Document
    done: threading.Event = field(default_factory=threading.Event)
    problem: Problem | None = None
    output: str = ""


class PrinterDevice(Device):
    """A `Device` with a job queue; subclasses take jobs with `_next_job` on their worker and
    end each with `_finish`."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._jobs: queue.Queue[PrintJob] = queue.Queue()
        self._job_numbers = itertools.count(1)

    def print(self, document: Document) -> str:
        """Queue `document`; returns the job id that its `PrintFinished` event will carry."""
        return self._submit(document).id

    def _submit(self, document: Document) -> PrintJob:
        job = PrintJob(f"{self.name}-{next(self._job_numbers)}", document)
        self._count("jobs")
        with self._lock:  # `_lose` and `close` drain the queue under the same lock
            accepted = self._worker is not None
            if accepted:
                self._jobs.put(job)
        if not accepted:
            self._finish(job, self._not_printed(job, f"the printer is {self._state}"))
        return job

    def _next_job(self, stop: threading.Event, timeout_s: float) -> PrintJob | None:
        """The next job, or None after `timeout_s` or soon after `stop` is set."""
        deadline = time.monotonic() + timeout_s
        while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
            try:
                return self._jobs.get(timeout=min(left, STOP_CHECK_S))
            except queue.Empty:
                continue
        return None

    def _finish(self, job: PrintJob, problem: Problem | None = None, output: str = "") -> None:
        self._count("failed" if problem else "printed")
        job.problem, job.output = problem, output
        job.done.set()
        self._emit(PrintFinished(self.name, job.id, problem, output))

    def _drop_queued_jobs(self) -> None:
        """Finish every queued job as not printed; for `_disconnect`."""
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return
            self._finish(job, self._not_printed(job, "the connection to the printer closed"))

    def _not_printed(self, job: PrintJob, why: str) -> Problem:
        return Problem(
            "printer.not_printed",
            f"job {job.id} not printed: {why} ({self._detail})",
            Notice.PRINTER_UNAVAILABLE,
        )
