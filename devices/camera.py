"""Camera: frames through OpenCV `VideoCapture`, QR codes decoded on the worker (DESIGN.md §3).

`port` is a device index (`"0"`), a video file, or a stream URL (`http://host/stream.mjpg`,
`rtsp://...`); the simulator serves MJPEG over HTTP. Every frame is grabbed, one in
`decode_every_n` is decoded, so decoding is bounded and the picture never lags behind. The
chain's later decoders only run when the first finds nothing, and then at most every
`fallback_interval_s`: on a 720p frame with no code (most of the day) zxing takes ~1.5 ms and
pyzbar ~25 ms (`python -m bench decode`), and a code missed once is read a frame later anyway.

Events: `CodeScanned` once per code shown (held in view it is not repeated; once out of view
for `rescan_after_s` it counts again), and, only to listeners of `subscribe_frames`,
`FrameCaptured` with each decoded frame and the codes found in it with their corners (the
diagnostics preview). No frame, an ended stream or an unplugged camera → `POWER_OFF`, which the
supervisor reopens. Counters: `frames` (grabbed), `decoded` (scans), `decode_ms_median` and
`decode_ms_p95` over the last 100 decodes.

Options (the device's TOML table):
    decoders = ["zxing", "pyzbar"]  the decoder chain, tried in order (see devices.decoders)
    decode_every_n = 2              decode one frame in n (1 to 100)
    fallback_interval_s = 1.0       run the chain's later decoders at most this often (0 to
                                    3600; 0: on every decoded frame)
    rescan_after_s = 2.0            how long a code must be out of view to count again (0.1 to
                                    3600); longer than fallback_interval_s, or a code only a
                                    later decoder reads would count again between its reads
    timeout_s = 3.0                 opening and per-frame limit for streams, 0.5 to 4 (it must
                                    stay under the worker's join time on close)
    width = 1280, height = 720      ask a webcam for this picture size (default 0, 0: the
                                    camera's own)
"""

from __future__ import annotations

import itertools
import logging
import math
import statistics
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from devices.codes import CodeScanned
from devices.decoders import (
    DEFAULT_DECODERS,
    Decoded,
    DecoderChain,
    DecoderUnavailable,
)
from devices.device import JOIN_TIMEOUT_S, Device
from devices.model import (
    DeviceEvent,
    DeviceFault,
    DeviceInfo,
    DeviceState,
    HealthLevel,
    Notice,
    Problem,
)
from devices.options import Options

FRESH_FRAME_WAIT_S = 5.0  # external check: how long to wait for a frame
CODE_WAIT_S = 30.0  # interactive check: how long a technician has to show a code
STATS_WINDOW = 100

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)  # eq=False: frames are arrays
class FrameCaptured(DeviceEvent):
    frame: np.ndarray  # BGR
    codes: tuple[Decoded, ...] = field(default=())


FrameListener = Callable[[FrameCaptured], None]


@dataclass(frozen=True)
class _Latest:
    number: int  # counts decoded frames, so a waiter can tell a new one
    frame: np.ndarray
    codes: tuple[Decoded, ...]


class Camera(Device):
    kind = "camera"

    def __init__(
        self,
        name: str,
        port: str,
        chain: DecoderChain,
        decode_every_n: int = 2,
        fallback_interval_s: float = 1.0,
        rescan_after_s: float = 2.0,
        timeout_s: float = 3.0,
        resolution: tuple[int, int] | None = None,
    ) -> None:
        super().__init__(name)
        self.port, self.chain = port, chain
        self._every_n, self._rescan_after_s = decode_every_n, rescan_after_s
        self._fallback_interval_s = fallback_interval_s
        self._fallback_at = -math.inf  # when the whole chain last ran and found nothing
        self._timeout_ms, self._resolution = int(timeout_s * 1000), resolution
        self._capture: cv2.VideoCapture | None = None
        self._frame_listeners: list[FrameListener] = []
        self._in_view: dict[tuple[bytes, str], float] = {}  # code -> when last seen
        self._decode_ms: deque[float] = deque(maxlen=STATS_WINDOW)
        self._grabbed_at: deque[float] = deque(maxlen=30)
        self._latest: _Latest | None = None
        self._new_frame = threading.Condition()

    def subscribe_frames(self, listener: FrameListener) -> Callable[[], None]:
        """Get every decoded frame (on the worker thread: convert or copy, and return fast)."""
        with self._lock:
            self._frame_listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._frame_listeners:
                    self._frame_listeners.remove(listener)

        return unsubscribe

    # -- hooks --------------------------------------------------------------------------------

    def _connect(self) -> None:
        if self.port.isdigit():  # a local camera; the timeouts are FFmpeg's, for streams
            capture = cv2.VideoCapture(int(self.port))
        else:
            timeouts = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, self._timeout_ms]
            timeouts += [cv2.CAP_PROP_READ_TIMEOUT_MSEC, self._timeout_ms]
            capture = cv2.VideoCapture(self.port, cv2.CAP_ANY, timeouts)
        self._capture = capture
        if not capture.isOpened():
            raise self._lost(f"cannot open camera {self.port}")
        if self._resolution:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, self._resolution[0])
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self._resolution[1])
        ok, frame = capture.read()
        if not ok or frame is None:
            raise self._lost(f"camera {self.port} opened but gives no picture")
        height, width = frame.shape[:2]
        self._in_view.clear()
        self._info = DeviceInfo(
            model=f"{capture.getBackendName()} camera {width}x{height}", port=self.port
        )

    def _run(self, stop: threading.Event) -> None:
        capture = self._capture
        assert capture is not None
        # A file plays at its own pace, not as fast as it can be read.
        pace_s = 1 / (capture.get(cv2.CAP_PROP_FPS) or 25) if Path(self.port).is_file() else 0
        for number in itertools.count(1):
            if stop.is_set():
                return
            if not capture.grab():
                raise self._lost(f"camera {self.port}: no picture (stream ended or unplugged)")
            self._count("frames")
            self._grabbed_at.append(time.monotonic())
            if number % self._every_n == 0:
                ok, frame = capture.retrieve()
                if not ok or frame is None:
                    raise self._lost(f"camera {self.port}: a frame could not be read")
                self._process(frame)
            if pace_s:
                stop.wait(pace_s)

    def _disconnect(self) -> None:
        capture, self._capture = self._capture, None
        if capture is not None:
            capture.release()

    def _health(self, level: HealthLevel) -> tuple[bool, list[str]]:
        lines = [f"source: {self.port}", f"decoders: {', '.join(self.chain.names)}"]
        lines.append(self._stats_line())
        capturing = self._capture is not None and self._capture.isOpened()
        lines.append("capture open" if capturing else "capture closed")
        if level is HealthLevel.INTERNAL or not capturing:
            return capturing, lines
        if level is HealthLevel.EXTERNAL:
            latest = self._wait_frame(FRESH_FRAME_WAIT_S, with_code=False)
            if latest is None:
                return False, [*lines, f"no picture within {FRESH_FRAME_WAIT_S:.0f} s"]
            height, width = latest.frame.shape[:2]
            brightness = float(latest.frame.mean())
            lines.append(f"picture {width}x{height}, brightness {brightness:.0f}/255")
            return True, lines
        latest = self._wait_frame(CODE_WAIT_S, with_code=True)
        if latest is None:
            return False, [*lines, f"no code seen within {CODE_WAIT_S:.0f} s"]
        texts = ", ".join(repr(d.code.text) for d in latest.codes)
        return True, [*lines, f"read {texts}"]

    # -- internals ----------------------------------------------------------------------------

    def _process(self, frame: np.ndarray) -> None:
        now, started = time.monotonic(), time.perf_counter()
        whole_chain = now - self._fallback_at >= self._fallback_interval_s
        found = tuple(self.chain.decode(frame, first_only=not whole_chain))
        if whole_chain and not found:
            self._fallback_at = now
        self._record_decode((time.perf_counter() - started) * 1000)
        self._in_view = {
            key: seen for key, seen in self._in_view.items() if now - seen < self._rescan_after_s
        }
        for decoded in found:
            key = (decoded.code.raw, decoded.code.format)
            if key not in self._in_view:
                self._count("decoded")
                self._emit(CodeScanned(self.name, decoded.code))
            self._in_view[key] = now
        with self._new_frame:
            number = self._latest.number + 1 if self._latest else 1
            self._latest = _Latest(number, frame, found)
            self._new_frame.notify_all()
        with self._lock:
            listeners = list(self._frame_listeners)
        if listeners:
            self._emit_frame(listeners, FrameCaptured(self.name, frame, found))

    def _emit_frame(self, listeners: Sequence[FrameListener], event: FrameCaptured) -> None:
        for listener in listeners:
            try:
                listener(event)
            except Exception:  # a broken preview must not stop the scanning
                log.exception("%s: a frame listener failed", self.name)

    def _record_decode(self, ms: float) -> None:
        self._decode_ms.append(ms)
        ordered = sorted(self._decode_ms)
        with self._lock:
            self._counters["decode_ms_median"] = round(statistics.median(ordered))
            self._counters["decode_ms_p95"] = round(ordered[int(0.95 * (len(ordered) - 1))])

    def _wait_frame(self, timeout_s: float, with_code: bool) -> _Latest | None:
        """The next decoded frame (with a code in it, if asked) within `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        with self._new_frame:
            seen = self._latest.number if self._latest else 0
            while (left := deadline - time.monotonic()) > 0:
                latest = self._latest
                if latest and latest.number > seen and (latest.codes or not with_code):
                    return latest
                seen = latest.number if latest else seen
                self._new_frame.wait(left)
        return None

    def _stats_line(self) -> str:
        grabbed = list(self._grabbed_at)
        span = grabbed[-1] - grabbed[0] if len(grabbed) > 1 else 0
        fps = (len(grabbed) - 1) / span if span else 0.0
        counters = self.status().counters
        return (
            f"{counters.get('frames', 0)} frames at {fps:.1f} fps, "
            f"decode median {counters.get('decode_ms_median', 0)} ms, "
            f"p95 {counters.get('decode_ms_p95', 0)} ms, "
            f"{counters.get('decoded', 0)} codes scanned"
        )

    def _lost(self, why: str) -> DeviceFault:
        return DeviceFault(
            DeviceState.POWER_OFF, Problem("camera.unavailable", why, Notice.DEVICE_UNAVAILABLE)
        )


def build(name: str, port: str, options: Mapping[str, object]) -> Camera:
    given = Options(options)
    decoders = given.texts("decoders", DEFAULT_DECODERS)
    try:
        chain = DecoderChain(decoders)
    except (ValueError, DecoderUnavailable) as error:
        raise ValueError(f"option decoders: {error}") from error
    fallback_interval_s = given.number("fallback_interval_s", 1.0, (0, 3600))
    rescan_after_s = given.number("rescan_after_s", 2.0, (0.1, 3600))
    if rescan_after_s <= fallback_interval_s:
        raise ValueError("option rescan_after_s: make it longer than fallback_interval_s")
    width, height = given.integer("width", 0, (0, 7680)), given.integer("height", 0, (0, 4320))
    if bool(width) != bool(height):
        raise ValueError("option width: give both width and height, or neither")
    camera = Camera(
        name,
        port,
        chain,
        decode_every_n=given.integer("decode_every_n", 2, (1, 100)),
        fallback_interval_s=fallback_interval_s,
        rescan_after_s=rescan_after_s,
        timeout_s=given.number("timeout_s", 3.0, (0.5, JOIN_TIMEOUT_S - 1)),
        resolution=(width, height) if width else None,
    )
    given.reject_unknown()
    return camera
