"""Camera frames of a QR code shown on a phone held at an angle, as a kiosk camera sees them.

The phone (a dark bezel around a bright screen with an app bar, the code and a few lines of
"text") is rendered flat, turned in 3-D by yaw, pitch and roll, projected through a pinhole
camera with a 720p webcam's focal length, and laid over a cluttered background. Then the
camera's faults: uneven light, a glare band on the glass, defocus, sensor noise and JPEG.
A dark-mode screen gives a light-on-dark code. Everything is driven by a seed, so the
simulator, the tests and the benchmark share one reproducible set (`sample_set`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import qrcode
from qrcode.constants import ERROR_CORRECT_M

FRAME_SIZE = (1280, 720)  # width, height
FOCAL_PX = 1000.0  # a 720p webcam with a ~65° horizontal field of view
PHONE_SIZE = (380, 780)  # the flat phone image, width x height in pixels (~75 x 155 mm)
BEZEL_PX = 16
CORNER_RADIUS_PX = 48

Image = np.ndarray


@dataclass(frozen=True)
class Shot:
    """How the phone is held and how the camera sees it."""

    yaw_deg: float = 30.0  # turned left/right
    pitch_deg: float = 0.0  # tipped forward/back
    roll_deg: float = 0.0  # rotated in the image plane
    phone_height_px: float = 520.0  # the phone's height in the frame were it facing the camera
    center: tuple[float, float] = (0.5, 0.5)  # where in the frame, as fractions
    light_on_dark: bool = False  # dark-mode screen: a light code on a dark background
    gain: float = 1.0  # overall exposure
    light_slope: float = 0.3  # how much the light falls off across the frame
    glare: float = 0.0  # strength of a reflection band on the glass, 0..1
    blur_sigma: float = 0.6  # defocus, in pixels
    noise_sigma: float = 4.0  # sensor noise, in grey levels
    jpeg_quality: int = 85


@dataclass(frozen=True)
class Sample:
    name: str
    payload: bytes
    binary: bool  # the payload is not text: only its bytes can be compared
    shot: Shot
    frame: Image

    @property
    def text(self) -> str:
        return self.payload.decode("utf-8", errors="replace")


def qr_modules(payload: bytes) -> np.ndarray:
    """The code's modules as a bool array (True = dark), without quiet zone, byte mode."""
    code = qrcode.QRCode(border=0, error_correction=ERROR_CORRECT_M)
    code.add_data(payload, optimize=0)
    code.make(fit=True)
    return np.array(code.get_matrix(), dtype=bool)


def code_image(payload: bytes, module_px: int = 8, light_on_dark: bool = False) -> Image:
    """A flat grey code with a four-module quiet zone, as printed or shown full screen."""
    dark, light = (230, 25) if light_on_dark else (20, 245)
    modules = np.pad(qr_modules(payload), 4)
    grey = np.where(modules, dark, light).astype(np.uint8)
    return np.kron(grey, np.ones((module_px, module_px), dtype=np.uint8))


def phone_image(payload: bytes, light_on_dark: bool = False) -> tuple[Image, Image]:
    """The phone seen flat from the front: a BGR image and its mask (the rounded outline)."""
    width, height = PHONE_SIZE
    body = np.zeros((height, width), dtype=np.uint8)
    _rounded_rect(body, (0, 0), (width, height), CORNER_RADIUS_PX, 255)
    phone = np.zeros((height, width, 3), dtype=np.uint8)
    phone[:] = (28, 26, 24)
    screen_tl, screen_br = (BEZEL_PX, BEZEL_PX), (width - BEZEL_PX, height - BEZEL_PX)
    paper, ink = (
        ((18, 18, 18), (200, 200, 200)) if light_on_dark else ((250, 250, 250), (90, 90, 90))
    )
    _rounded_rect(phone, screen_tl, screen_br, CORNER_RADIUS_PX - BEZEL_PX, paper)
    cv2.rectangle(phone, (BEZEL_PX, 70), (width - BEZEL_PX, 130), (150, 95, 30), -1)  # app bar
    code = cv2.cvtColor(code_image(payload, 1, light_on_dark), cv2.COLOR_GRAY2BGR)
    side = width - 2 * BEZEL_PX - 40
    code = cv2.resize(code, (side, side), interpolation=cv2.INTER_NEAREST)
    top = 170
    phone[top : top + side, (width - side) // 2 : (width + side) // 2] = code
    for row in range(4):  # lines of "text" under the code
        y = top + side + 40 + row * 34
        cv2.rectangle(phone, (50, y), (width - 50 - 60 * (row % 3), y + 14), ink, -1)
    return phone, body


def phone_frame(payload: bytes | str, shot: Shot, seed: int = 0) -> Image:
    """A 1280x720 BGR camera frame of `payload` on a phone held as `shot` says."""
    raw = payload.encode() if isinstance(payload, str) else payload
    rng = np.random.default_rng(seed)
    frame = background(rng)
    phone, mask = phone_image(raw, shot.light_on_dark)
    homography = _projection(shot)
    size = FRAME_SIZE
    warped = cv2.warpPerspective(phone, homography, size, flags=cv2.INTER_AREA)
    alpha = cv2.warpPerspective(mask, homography, size, flags=cv2.INTER_LINEAR)
    alpha = alpha.astype(np.float32)[..., None] / 255
    frame = (warped * alpha + frame * (1 - alpha)).astype(np.float32)
    frame = _lighting(frame, shot, rng)
    if shot.glare > 0:
        frame = _glare(frame, alpha[..., 0], shot.glare, rng)
    if shot.blur_sigma > 0:
        frame = cv2.GaussianBlur(frame, (0, 0), shot.blur_sigma)
    frame += rng.normal(0, shot.noise_sigma, frame.shape).astype(np.float32)
    frame = np.clip(frame, 0, 255).astype(np.uint8)
    _, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, shot.jpeg_quality])
    decoded = cv2.imdecode(jpeg, cv2.IMREAD_COLOR)
    assert decoded is not None  # we just encoded it
    return decoded


def background(rng: np.random.Generator) -> Image:
    """A room-like scene: a tinted gradient, blurred clutter and a few sharp-edged objects."""
    width, height = FRAME_SIZE
    tint = rng.uniform(60, 170, 3)
    ramp = np.linspace(0.7, 1.2, width, dtype=np.float32)[None, :, None]
    frame = np.broadcast_to(tint * ramp, (height, width, 3)).astype(np.float32)
    # Out-of-focus room: mostly light and shade, a little colour.
    shade = rng.normal(0, 30, (18, 32, 1)) + rng.normal(0, 8, (18, 32, 3))
    frame = frame + cv2.resize(shade.astype(np.float32), (width, height))
    for _ in range(int(rng.integers(4, 10))):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        w, h = int(rng.integers(40, 400)), int(rng.integers(40, 300))
        color = tuple(float(c) for c in rng.uniform(20, 235, 3))
        cv2.rectangle(frame, (x, y), (x + w, y + h), color, -1)
    return np.clip(frame, 0, 255).astype(np.uint8)


def random_shot(rng: np.random.Generator, light_on_dark: bool = False) -> Shot:
    """A plausible way for a citizen to hold a phone up to the kiosk camera."""
    return Shot(
        yaw_deg=float(rng.uniform(-55, 55)),
        pitch_deg=float(rng.uniform(-35, 35)),
        roll_deg=float(rng.uniform(-25, 25)),
        phone_height_px=float(rng.uniform(330, 640)),
        center=(float(rng.uniform(0.35, 0.65)), float(rng.uniform(0.4, 0.6))),
        light_on_dark=light_on_dark,
        gain=float(rng.uniform(0.6, 1.15)),
        light_slope=float(rng.uniform(0.0, 0.5)),
        glare=float(rng.uniform(0.0, 0.5)) if rng.random() < 0.4 else 0.0,
        blur_sigma=float(rng.uniform(0.3, 1.6)),
        noise_sigma=float(rng.uniform(2, 9)),
        jpeg_quality=int(rng.integers(60, 92)),
    )


TEXT_PAYLOADS = (
    "https://gov.example.cn/appointment?id={n:06d}&office=31",
    "预约号：{n:06d} 办理事项：居住证签注",
    "KIOSK:TICKET:{n:08d}",
    "MECARD:N:张伟;TEL:+86138{n:08d};;",
)


def sample_set(count: int = 60, seed: int = 2024) -> list[Sample]:
    """The fixed benchmark set: one in five payloads binary (a signed e-ID code), one in six
    shown on a dark-mode screen."""
    rng = np.random.default_rng(seed)
    samples = []
    for n in range(count):
        binary = n % 5 == 4
        if binary:
            payload = rng.bytes(int(rng.integers(60, 180)))
        else:
            payload = TEXT_PAYLOADS[n % len(TEXT_PAYLOADS)].format(n=n).encode()
        shot = random_shot(rng, light_on_dark=n % 6 == 5)
        frame = phone_frame(payload, shot, seed=seed + n)
        samples.append(Sample(f"phone-{n:02d}", payload, binary, shot, frame))
    return samples


# -- drawing helpers ------------------------------------------------------------------------


def _rounded_rect(
    image: Image,
    top_left: tuple[int, int],
    bottom_right: tuple[int, int],
    radius: int,
    color: int | tuple[int, int, int],
) -> None:
    (x0, y0), (x1, y1) = top_left, (bottom_right[0] - 1, bottom_right[1] - 1)
    cv2.rectangle(image, (x0 + radius, y0), (x1 - radius, y1), color, -1)
    cv2.rectangle(image, (x0, y0 + radius), (x1, y1 - radius), color, -1)
    for cx, cy in ((x0 + radius, y0 + radius), (x1 - radius, y0 + radius)):
        cv2.circle(image, (cx, cy), radius, color, -1, cv2.LINE_AA)
    for cx, cy in ((x0 + radius, y1 - radius), (x1 - radius, y1 - radius)):
        cv2.circle(image, (cx, cy), radius, color, -1, cv2.LINE_AA)


def _projection(shot: Shot) -> np.ndarray:
    """The homography from the flat phone image to the frame: turn the phone's rectangle in 3-D
    about its centre, put it where its facing height would be `phone_height_px`, project."""
    half_w, half_h = PHONE_SIZE[0] / 2, PHONE_SIZE[1] / 2
    corners = np.array(
        [[-half_w, -half_h, 0], [half_w, -half_h, 0], [half_w, half_h, 0], [-half_w, half_h, 0]]
    )
    yaw, pitch, roll = (math.radians(a) for a in (shot.yaw_deg, shot.pitch_deg, shot.roll_deg))
    rotation = _rot_z(roll) @ _rot_x(pitch) @ _rot_y(yaw)
    distance = FOCAL_PX * PHONE_SIZE[1] / shot.phone_height_px
    cx, cy = shot.center[0] * FRAME_SIZE[0], shot.center[1] * FRAME_SIZE[1]
    placed = corners @ rotation.T + np.array([0, 0, distance])
    projected = FOCAL_PX * placed[:, :2] / placed[:, 2:3] + np.array([cx, cy])
    width, height = PHONE_SIZE
    flat = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    return cv2.getPerspectiveTransform(flat, projected.astype(np.float32))


def _rot_x(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def _rot_y(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def _rot_z(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def _lighting(frame: np.ndarray, shot: Shot, rng: np.random.Generator) -> np.ndarray:
    """Exposure and light falling off from a random side of the frame."""
    height, width = frame.shape[:2]
    angle = rng.uniform(0, 2 * math.pi)
    xs = np.linspace(-0.5, 0.5, width, dtype=np.float32)[None, :]
    ys = np.linspace(-0.5, 0.5, height, dtype=np.float32)[:, None]
    falloff = 1 + shot.light_slope * (math.cos(angle) * xs + math.sin(angle) * ys)
    return frame * (shot.gain * falloff)[..., None]


def _glare(
    frame: np.ndarray, glass: np.ndarray, strength: float, rng: np.random.Generator
) -> Image:
    """A soft diagonal band of reflected light, only on the phone's glass."""
    height, width = glass.shape
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    angle = rng.uniform(0.3, 1.2)
    offset = rng.uniform(0.3, 0.7) * (width + height) / 2
    distance = np.abs(xs * math.cos(angle) + ys * math.sin(angle) - offset)
    band = np.exp(-((distance / 60) ** 2)) * strength * 255
    return frame + (band * glass)[..., None]
