"""A camera that streams MJPEG over HTTP on 127.0.0.1, as IP cameras and webcam bridges do.

The adapter opens `sim.address` with OpenCV's FFmpeg backend, the same code path as a real network
camera (checked with OpenCV 5.0: it reads `multipart/x-mixed-replace` JPEG streams). What it
shows: a still image, a QR code on a phone held at an angle (`phone_frames`), a citizen facing
the camera, turned, far or in the dark, or doing the head-turn challenge (`faces`), an empty
scene, a folder of images in turn, or a video file. `unplug()` closes the listening socket and
every open stream, as a pulled cable or a dead bridge would; `replug()` serves again on the
same port.

    python -m devices.sim camera [--text T | --face POSE | --images DIR | --video FILE] [--port N]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import socket
import threading
import time
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from devices.sim.phone_frames import Shot, background, phone_frame

if TYPE_CHECKING:
    from devices.sim.faces import Pose, Script, Side

BOUNDARY = "frame"
FACE_POSES = ("front", "left", "right", "far", "dark", "nobody")
FACE_TURNS: dict[str, Side | None] = {"turn-left": "left", "turn-right": "right", "turns": None}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp"}

Feed = Callable[[threading.Event], None]  # shows frames until the event is set


class CameraSimulator:
    def __init__(self, port: int = 0, fps: float = 15.0) -> None:
        self.port, self.fps = port, fps  # port 0: any free port, kept across unplug/replug
        self._jpeg = _encode(background(np.random.default_rng(0)))
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._streams: set[socket.socket] = set()
        self._feeder: threading.Thread | None = None
        self._feeding = threading.Event()

    @property
    def address(self) -> str:
        """The URL the camera adapter opens."""
        return f"http://127.0.0.1:{self.port}/stream.mjpg"

    @property
    def plugged(self) -> bool:
        return self._server is not None

    def start(self) -> None:
        self.replug()

    def stop(self) -> None:
        self._stop_feeder()
        self.unplug()

    def replug(self) -> None:
        with self._lock:
            if self._server is not None:
                return
            server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
            server.daemon_threads = True
            self.port = server.server_address[1]
            self._server = server
        threading.Thread(target=server.serve_forever, name="camera-sim", daemon=True).start()

    def unplug(self) -> None:
        with self._lock:
            server, self._server = self._server, None
            streams, self._streams = set(self._streams), set()
        if server is None:
            return
        server.shutdown()
        server.server_close()
        for stream in streams:  # the handlers' next write fails, as on a pulled cable
            with contextlib.suppress(OSError):  # already gone
                stream.shutdown(socket.SHUT_RDWR)

    # -- what the camera sees --------------------------------------------------------------

    def show(self, image: np.ndarray | Path) -> None:
        """A still frame: a BGR image, or an image file."""
        self._stop_feeder()
        self._show(_load(image) if isinstance(image, Path) else image)

    def show_phone(
        self,
        payload: str | bytes,
        yaw_deg: float = 30.0,
        pitch_deg: float = 10.0,
        light_on_dark: bool = False,
        seed: int = 0,
    ) -> None:
        """A phone showing `payload` as a QR code, turned by `yaw_deg` and tipped by `pitch_deg`."""
        shot = Shot(yaw_deg=yaw_deg, pitch_deg=pitch_deg, light_on_dark=light_on_dark)
        self.show(phone_frame(payload, shot, seed))

    def show_face(self, pose: Pose = "front", x: float = 0.5, seed: int = 1) -> None:
        """A citizen in `pose` ("front", "left", "right", "far", "dark" or "nobody"), the face at
        `x` across the picture (0..1). Room `seed` 1 has no face-like clutter."""
        from devices.sim.faces import face_frame  # needs scikit-image: only when faces are shown

        self.show(face_frame(pose, x=x, seed=seed))

    def play_face_turn(self, side: Side | None = None, seed: int = 1, loop: bool = False) -> None:
        """A citizen doing the challenge: facing, turning to `side` and back, then facing; with
        no side, to the left and then to the right (passing whichever turn was asked)."""
        from devices.sim.faces import turn_script

        sides: tuple[Side, ...] = (side,) if side else ("left", "right")
        self.play_frames([shot for turn in sides for shot in turn_script(turn, seed=seed)], loop)

    def play_frames(self, script: Script, loop: bool = False) -> None:
        """Each frame for its seconds, in turn; the last one stays unless `loop`."""
        if not script:
            raise ValueError("play_frames needs at least one frame")
        self._start_feeder(lambda stop: _play_script(self, list(script), loop, stop))

    def blank(self, seed: int = 0) -> None:
        """The scene with nobody and nothing in front of the camera."""
        self.show(background(np.random.default_rng(seed)))

    def play_images(self, paths: Sequence[Path], interval_s: float = 3.0) -> None:
        images = [_load(path) for path in paths]
        self._start_feeder(lambda stop: _cycle_images(self, images, interval_s, stop))

    def play_video(self, path: Path) -> None:
        probe = cv2.VideoCapture(str(path))
        readable = probe.read()[0]  # opening alone succeeds for any file named *.png
        probe.release()
        if not readable:
            raise ValueError(f"cannot play {path}: not a video OpenCV can read")
        self._start_feeder(lambda stop: _play_video(self, path, stop))

    # -- internals -------------------------------------------------------------------------

    def _show(self, image: np.ndarray) -> None:
        jpeg = _encode(image)
        with self._lock:
            self._jpeg = jpeg

    def _current(self) -> bytes:
        with self._lock:
            return self._jpeg

    def _attach(self, stream: socket.socket) -> bool:
        with self._lock:
            if self._server is None:
                return False
            self._streams.add(stream)
            return True

    def _detach(self, stream: socket.socket) -> None:
        with self._lock:
            self._streams.discard(stream)

    def _start_feeder(self, feed: Feed) -> None:
        self._stop_feeder()
        self._feeding = threading.Event()
        stop = self._feeding
        self._feeder = threading.Thread(target=feed, args=(stop,), name="camera-sim-feed")
        self._feeder.daemon = True
        self._feeder.start()

    def _stop_feeder(self) -> None:
        feeder, self._feeder = self._feeder, None
        self._feeding.set()
        if feeder is not None and feeder is not threading.current_thread():
            feeder.join(5)


def _handler(sim: CameraSimulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/frame.jpg":
                self._send_still()
            elif self.path in ("/", "/stream.mjpg"):
                self._stream()
            else:
                self.send_error(404, "try /stream.mjpg or /frame.jpg")

        def _send_still(self) -> None:
            jpeg = sim._current()
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(jpeg)))
            self.end_headers()
            self.wfile.write(jpeg)

        def _stream(self) -> None:
            if not sim._attach(self.connection):
                return
            self.send_response(200)
            self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            period = 1 / sim.fps
            try:
                while sim.plugged:
                    jpeg = sim._current()
                    head = f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                    head += f"Content-Length: {len(jpeg)}\r\n\r\n"
                    self.wfile.write(head.encode() + jpeg + b"\r\n")
                    time.sleep(period)
            except OSError:  # the client went away, or we were unplugged
                pass
            finally:
                sim._detach(self.connection)

        def log_message(self, format: str, *args: object) -> None:
            pass  # one line per stream request is noise

    return Handler


def _cycle_images(
    sim: CameraSimulator, images: list[np.ndarray], interval_s: float, stop: threading.Event
) -> None:
    for image in itertools.cycle(images):
        sim._show(image)
        if stop.wait(interval_s):
            return


def _play_script(sim: CameraSimulator, script: Script, loop: bool, stop: threading.Event) -> None:
    for frame, seconds in itertools.cycle(script) if loop else script:
        sim._show(frame)
        if stop.wait(seconds):
            return


def _play_video(sim: CameraSimulator, path: Path, stop: threading.Event) -> None:
    played = True
    while played and not stop.is_set():  # loop the file, unless it stops giving frames
        capture = cv2.VideoCapture(str(path))
        period = 1 / (capture.get(cv2.CAP_PROP_FPS) or sim.fps)
        played = False
        try:
            while not stop.is_set():
                ok, frame = capture.read()
                if not ok:
                    break
                played = True
                sim._show(frame)
                stop.wait(period)
        finally:
            capture.release()


def _encode(image: np.ndarray) -> bytes:
    ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    if not ok:
        raise ValueError(f"cannot encode a {image.shape} {image.dtype} image as JPEG")
    return jpeg.tobytes()


def _load(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"cannot show {path}: not an image OpenCV can read")
    return image


# -- python -m devices.sim camera ---------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument("--text", help="show this text as a QR code on a phone at an angle")
    shown.add_argument(
        "--face",
        choices=[*FACE_POSES, *FACE_TURNS],
        help="show a citizen; turn-left, turn-right, turns (both sides): the challenge, looping",
    )
    shown.add_argument("--images", type=Path, metavar="DIR", help="show the images in DIR in turn")
    shown.add_argument("--video", type=Path, metavar="FILE", help="play a video file, looping")
    parser.add_argument("--yaw", type=float, default=30.0, help="phone angle in degrees")
    parser.add_argument("--interval", type=float, default=3.0, help="seconds per image")
    parser.add_argument("--port", type=int, default=0, help="HTTP port (default: any free one)")
    parser.add_argument("--fps", type=float, default=15.0)


def run(args: argparse.Namespace) -> None:
    sim = CameraSimulator(port=args.port, fps=args.fps)
    try:
        if args.images:
            suffixes = IMAGE_SUFFIXES
            paths = sorted(p for p in args.images.glob("*") if p.suffix.lower() in suffixes)
            if not paths:
                raise ValueError(f"no images in {args.images}")
            sim.play_images(paths, args.interval)
        elif args.video:
            sim.play_video(args.video)
        elif args.face in FACE_TURNS:
            sim.play_face_turn(FACE_TURNS[args.face], loop=True)
        elif args.face:
            sim.show_face(args.face)
        else:
            sim.show_phone(args.text or "KIOSK:TICKET:00000001", yaw_deg=args.yaw)
    except ValueError as error:
        raise SystemExit(f"camera simulator: {error}") from error
    sim.start()
    print(sim.address, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
