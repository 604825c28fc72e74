"""QR decoding: the configured decoder chain against each library alone.

Targets (the camera issue): the chain decodes at least as many images as the best single
library, at a median time within 1.5x of the fastest single library's median.

Sets:
- `qr-samples`: the real photographs and scans in ../shared/datasets/qr-samples; an image
  counts when a decoded text equals its `.txt` exactly.
- `phone-720p`: generated 1280x720 frames of a phone held at an angle (`phone_frames`, seeded:
  one payload in five binary, one screen in six light-on-dark); a binary payload counts only
  when its bytes come back exactly.
- `empty-720p`: frames with no code, what a camera looks at most of the day: the cost of
  finding nothing, where a chain pays for every backend. Not part of the targets.

Each decoder runs through a `DecoderChain` (alone or chained), so all pay the same image
preparation; decoders take turns on each image, so machine noise hits them alike, and each
image's time is the fastest of three runs.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from devices.decoders import BACKENDS, DEFAULT_DECODERS, Decoded, DecoderChain, DecoderUnavailable
from devices.sim.phone_frames import background, sample_set

# shared/ lies beside the checkout (the team's work tree, and CI's copy beside its clone).
DATASET = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets" / "qr-samples"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}
MAX_MEDIAN_RATIO = 1.5
REPEATS = 3  # per image and decoder, keeping the fastest: sub-millisecond times are noisy


@dataclass(frozen=True)
class Case:
    image: np.ndarray
    matches: Callable[[Decoded], bool]  # is this the expected code?


def run(
    dataset: Path = DATASET,
    frames: int = 60,
    seed: int = 2024,
    samples: int | None = None,
) -> list[dict[str, object]]:
    """`frames` phone frames and a third as many empty ones; `samples`: only the first that
    many images of the dataset (all by default)."""
    decoders = _decoders()
    empty = max(2, frames // 3)
    sets = {"phone-720p": phone_cases(frames, seed), "empty-720p": empty_cases(empty, seed)}
    if dataset.is_dir():
        sets = {"qr-samples": dataset_cases(dataset)[:samples], **sets}
    else:
        print(f"bench decode: no dataset at {dataset}, skipping qr-samples", file=sys.stderr)
    rows: list[dict[str, object]] = []
    for set_name, cases in sets.items():
        rows += _measure(set_name, cases, decoders, judge=set_name != "empty-720p")
    return rows


def dataset_cases(root: Path) -> list[Case]:
    cases = []
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        # Bytes, not read_text: universal newlines would turn an expected "\r\n" into "\n".
        expected = path.with_suffix(".txt").read_bytes().decode("utf-8")
        if image is not None:
            cases.append(Case(image, _text_is(expected)))
    return cases


def phone_cases(count: int, seed: int) -> list[Case]:
    return [
        Case(sample.frame, _bytes_are(sample.payload) if sample.binary else _text_is(sample.text))
        for sample in sample_set(count, seed)
    ]


def empty_cases(count: int, seed: int) -> list[Case]:
    return [Case(background(np.random.default_rng(seed + n)), _nothing) for n in range(count)]


def _text_is(text: str) -> Callable[[Decoded], bool]:
    return lambda decoded: decoded.code.text == text


def _bytes_are(raw: bytes) -> Callable[[Decoded], bool]:
    return lambda decoded: decoded.code.raw == raw


def _nothing(decoded: Decoded) -> bool:
    return False


def _decoders() -> dict[str, DecoderChain]:
    """The default chain first, then each library alone (those installed)."""
    decoders = {}
    for names in [DEFAULT_DECODERS, *((name,) for name in BACKENDS)]:
        label = "chain " + ",".join(names) if len(names) > 1 else names[0]
        try:
            decoders[label] = DecoderChain(names)
        except DecoderUnavailable as error:
            print(f"bench decode: skipping {label}: {error}", file=sys.stderr)
    return decoders


def _measure(
    set_name: str, cases: Sequence[Case], decoders: dict[str, DecoderChain], judge: bool
) -> list[dict[str, object]]:
    times: dict[str, list[float]] = {label: [] for label in decoders}
    decoded = dict.fromkeys(decoders, 0)
    for chain in decoders.values():  # warm up: first calls load tables and allocate
        chain.decode(cases[0].image)
    for case in cases:
        for label, chain in decoders.items():
            best_ms = float("inf")
            for _ in range(REPEATS):
                started = time.perf_counter()
                found = chain.decode(case.image)
                best_ms = min(best_ms, (time.perf_counter() - started) * 1000)
            times[label].append(best_ms)
            decoded[label] += any(case.matches(d) for d in found)
    medians = {label: statistics.median(ms) for label, ms in times.items()}
    singles = [label for label in decoders if label in BACKENDS]
    fastest = min(medians[label] for label in singles)
    best = max(decoded[label] for label in singles)
    rows: list[dict[str, object]] = []
    for label, ms in times.items():
        ratio = medians[label] / fastest
        target = "-"
        if judge and label not in BACKENDS:
            misses = []
            if decoded[label] < best:
                misses.append(f"decodes {decoded[label]} < best library's {best}")
            if ratio > MAX_MEDIAN_RATIO:
                misses.append(f"median {ratio:.2f}x the fastest > {MAX_MEDIAN_RATIO}x")
            target = "missed: " + "; ".join(misses) if misses else "met"
        rows.append(
            {
                "set": set_name,
                "decoder": label,
                "images": len(cases),
                "decoded": decoded[label],
                "median_ms": round(medians[label], 2),
                "p95_ms": round(_percentile(ms, 0.95), 2),
                "vs_fastest": round(ratio, 2),
                "target": target,
            }
        )
    return rows


def _percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[round(fraction * (len(ordered) - 1))]
