"""Face capture on a live camera: guidance, the liveness challenge, the capture (for face
verification; or, with the "photo" challenge, a plain picture for an application form).

A session listens to the camera's frames and, on the camera's worker thread, runs the face
detector and the `LivenessCheck` on some of them: at most `max_checks_per_s`, and never more
than half the thread's time (a check takes ~60 ms on a 720p frame), so the camera keeps up
with its stream and goes on reading QR codes. Every frame gives `on_progress` a preview with
the latest guidance and face box; checked frames bring new guidance. After a final guidance
(DONE, TIMED_OUT, CAMERA_LOST) the session stops itself. A camera that goes down (unplugged,
failing), or is down at the start, ends the session at once in CAMERA_LOST: the citizen is not
left waiting for the time-out in front of a dead camera. A camera that stays up but stops
sending frames still ends in TIMED_OUT, shortly after `timeout_s`.

`on_progress` is called on the camera's thread (or, for those last two, the thread that saw the
camera go or a timer's): hand the progress to the GUI thread and return. After `stop()` returns
it is not called again.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from devices.camera import Camera, FrameCaptured
from devices.face import Box, FaceDetector
from devices.liveness import Challenge, FaceCapture, Guidance, LivenessCheck, Progress
from devices.model import RECOVERABLE, DeviceEvent, StatusChanged

PREVIEW_MAX_WIDTH_PX = 480
BUSY_SHARE = 0.5  # the checks take at most this share of the camera thread's time
WATCHDOG_GRACE_S = 2.0  # past timeout_s, a session without frames ends on its own

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)  # eq=False: holds an array
class FaceProgress:
    guidance: Guidance
    box: Box | None  # the face, in frame pixels
    frame_size: tuple[int, int]  # width, height of the camera's frames, to scale `box`
    preview: np.ndarray | None  # BGR, at most 480 px wide; None only if no frame ever came
    capture: FaceCapture | None  # with DONE: the picture for the platform's comparator
    challenge: Challenge


ProgressListener = Callable[[FaceProgress], None]


class FaceSession:
    """One citizen's capture: `start()` it, and make a new session for the next try."""

    def __init__(
        self,
        camera: Camera,
        on_progress: ProgressListener,
        challenge: Challenge | None = None,
        *,
        timeout_s: float = 30.0,
        max_checks_per_s: float = 8.0,
        detector_factory: Callable[[], FaceDetector] = FaceDetector,
        rng: random.Random | None = None,
    ) -> None:
        if not max_checks_per_s > 0:
            raise ValueError(f"max_checks_per_s must be more than 0, not {max_checks_per_s}")
        self._camera, self._on_progress = camera, on_progress
        self._check = LivenessCheck(challenge, rng=rng, timeout_s=timeout_s)
        self._timeout_s, self._min_interval_s = timeout_s, 1 / max_checks_per_s
        self._detector_factory = detector_factory
        self._detector: FaceDetector | None = None
        self._lock = threading.RLock()  # re-entrant: on_progress may call stop()
        self._active = False
        self._unsubscribe: list[Callable[[], None]] = []
        self._watchdog: threading.Timer | None = None
        self._latest = Progress(Guidance.NO_FACE, None)
        self._last_progress: FaceProgress | None = None
        self._next_check_at = 0.0

    @property
    def challenge(self) -> Challenge:
        return self._check.challenge

    def start(self) -> None:
        """Begin listening. Raises `FaceDetectionUnavailable` (saying why) without scikit-image;
        the first detector in a process imports it, ~0.4 s: make one early, off the GUI thread."""
        with self._lock:
            if self._active or self._latest.guidance.final:
                return
            self._detector = self._detector_factory()
            self._active = True
            self._watchdog = threading.Timer(self._timeout_s + WATCHDOG_GRACE_S, self._time_out)
            self._watchdog.daemon = True
            self._watchdog.start()
            self._unsubscribe = [
                self._camera.subscribe(self._on_camera_event),
                self._camera.subscribe_frames(self._on_frame),
            ]
        if self._camera.state in RECOVERABLE:  # down already: the supervisor is at it
            self._end_without_frames(Guidance.CAMERA_LOST)

    def stop(self) -> None:
        """Stop listening; `on_progress` is not called after this returns."""
        with self._lock:
            self._active = False
            unsubscribe, self._unsubscribe = self._unsubscribe, []
            watchdog, self._watchdog = self._watchdog, None
        for each in unsubscribe:
            each()
        if watchdog is not None:
            watchdog.cancel()

    # -- on the camera's thread ------------------------------------------------------------

    def _on_frame(self, event: FrameCaptured) -> None:
        if not self._active:
            return
        frame = event.frame
        started = time.monotonic()
        if started >= self._next_check_at and self._detector is not None:
            self._latest = self._check.feed(self._detector.check(frame), frame, started)
            spent = time.monotonic() - started
            self._next_check_at = started + max(self._min_interval_s, spent / BUSY_SHARE)
        height, width = frame.shape[:2]
        self._deliver(
            FaceProgress(
                self._latest.guidance,
                self._latest.box,
                (width, height),
                _preview(frame),
                self._latest.capture,
                self._check.challenge,
            )
        )

    def _on_camera_event(self, event: DeviceEvent) -> None:
        if isinstance(event, StatusChanged) and event.status.state in RECOVERABLE:
            self._end_without_frames(Guidance.CAMERA_LOST)

    def _time_out(self) -> None:
        """The watchdog: no frames came to end the check."""
        self._end_without_frames(Guidance.TIMED_OUT)

    def _end_without_frames(self, guidance: Guidance) -> None:
        with self._lock:
            last = self._last_progress
        size, preview = (last.frame_size, last.preview) if last else ((0, 0), None)
        self._deliver(FaceProgress(guidance, None, size, preview, None, self.challenge))

    def _deliver(self, progress: FaceProgress) -> None:
        with self._lock:
            if not self._active:
                return
            self._last_progress = progress
            if progress.guidance.final:
                self._last_progress = None  # keep no picture of the citizen once finished
                self.stop()  # before telling: the listener may start the next step at once
            try:
                self._on_progress(progress)
            except Exception:  # the GUI's problem must not stop the camera
                log.exception("face session: on_progress failed")


def _preview(frame: np.ndarray) -> np.ndarray:
    scale = PREVIEW_MAX_WIDTH_PX / frame.shape[1]
    if scale >= 1:
        return frame.copy()  # the camera's frame is not ours to hand on
    return cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
