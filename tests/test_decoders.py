"""QR decoding: the decoder chain on real photographs, binary and light-on-dark codes, garbage
images, and the `python -m devices.decode` command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from pyzbar import pyzbar

from bench.decode import DATASET
from devices.decoders import DEFAULT_DECODERS, DecoderChain, DecoderUnavailable
from devices.sim.phone_frames import Shot, code_image, phone_frame
from tests.conftest import ROOT

SAMPLES = DATASET
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"no QR samples at {SAMPLES}")


def expected_text(image: Path) -> str:
    return image.with_suffix(".txt").read_bytes().decode("utf-8")  # keeps "\r\n" as written


def read(image: Path) -> np.ndarray:
    picture = cv2.imread(str(image), cv2.IMREAD_COLOR)
    assert picture is not None, image
    return picture


@pytest.fixture(scope="module")
def chain() -> DecoderChain:
    return DecoderChain()


@needs_samples
@pytest.mark.parametrize(
    "sample",
    [
        "qrcode-1/16.png",  # a photo of a badge held in a hand, CR LF in the text
        "qrcode-2/31.png",  # Japanese in Shift_JIS
        "qrcode-2/30.png",  # Chinese MECARD
        "qrcode-2/17.png",  # half-width katakana
        "qrcode-2/qr-inv-1.jpg",  # light on dark
        "qrcode-2/gs1-figure-4.15.1-2.png",  # GS1 data with a group separator, not reformatted
        "qrcode-3/27.png",
        "qrcode-6/15.png",
    ],
)
def test_the_chain_reads_real_photographs_exactly(chain: DecoderChain, sample: str) -> None:
    image = SAMPLES / sample
    texts = [d.code.text for d in chain.decode(read(image))]
    assert texts == [expected_text(image)]


@needs_samples
@pytest.mark.parametrize("sample", ["qrcode-2/28.png", "qrcode-4/09.png"])
def test_the_chain_falls_back_to_pyzbar_for_what_zxing_misses(
    chain: DecoderChain, sample: str
) -> None:
    image = read(SAMPLES / sample)
    assert DecoderChain(["zxing"]).decode(image) == []
    assert [d.code.text for d in chain.decode(image)] == [expected_text(SAMPLES / sample)]


@needs_samples
def test_the_chain_decodes_at_least_as_many_samples_as_the_best_library() -> None:
    images = sorted(p for p in SAMPLES.rglob("*") if p.suffix in (".png", ".jpg"))
    chains = {name: DecoderChain([name]) for name in ("zxing", "pyzbar", "opencv")}
    chains["chain"] = DecoderChain(DEFAULT_DECODERS)
    decoded = dict.fromkeys(chains, 0)
    for path in images:
        image, text = read(path), expected_text(path)
        for name, decoder in chains.items():
            decoded[name] += any(d.code.text == text for d in decoder.decode(image))
    best_library = max(decoded[name] for name in ("zxing", "pyzbar", "opencv"))
    assert decoded["chain"] >= best_library, decoded


def test_a_binary_payload_survives_byte_for_byte_through_zxing() -> None:
    payload = bytes(range(256))[::-1][:150]  # not UTF-8, has NULs and high bytes
    frame = phone_frame(payload, Shot(yaw_deg=25, pitch_deg=10), seed=3)
    for chain in (DecoderChain(["zxing"]), DecoderChain()):
        found = chain.decode(frame)
        assert [d.code.raw for d in found] == [payload]
        assert found[0].code.format == "QRCode"


def test_pyzbar_reads_a_light_on_dark_code_thanks_to_its_inverted_pass() -> None:
    image = code_image(b"https://gov.example.cn/t/42", module_px=6, light_on_dark=True)
    assert pyzbar.decode(image) == []  # ZBar alone misses it
    found = DecoderChain(["pyzbar"]).decode(image)
    assert [d.code.text for d in found] == ["https://gov.example.cn/t/42"]


@pytest.mark.parametrize("backend", ["zxing", "pyzbar", "opencv"])
def test_each_backend_reads_a_flat_code_and_says_where_it_is(backend: str) -> None:
    frame = np.full((480, 640, 3), 200, dtype=np.uint8)
    code = code_image(b"KIOSK:TICKET:00000042", module_px=6)  # 25 modules + quiet zone
    frame[100 : 100 + code.shape[0], 200 : 200 + code.shape[1]] = code[..., None]
    found = DecoderChain([backend]).decode(frame)
    assert [d.code.text for d in found] == ["KIOSK:TICKET:00000042"]
    xs = [x for x, _ in found[0].corners]
    ys = [y for _, y in found[0].corners]
    quiet = 4 * 6  # the symbol starts after the quiet zone
    assert min(xs) == pytest.approx(200 + quiet, abs=8)
    assert min(ys) == pytest.approx(100 + quiet, abs=8)
    assert max(xs) == pytest.approx(200 + code.shape[1] - quiet, abs=8)


def test_a_code_in_a_huge_image_is_found_where_it_is() -> None:
    frame = np.full((5000, 6000), 230, dtype=np.uint8)
    code = code_image(b"big picture", module_px=24)
    frame[2500 : 2500 + code.shape[0], 3000 : 3000 + code.shape[1]] = code
    found = DecoderChain(["zxing"]).decode(frame)
    assert [d.code.text for d in found] == ["big picture"]
    x, y = found[0].corners[0]  # top left, in the full image's pixels
    assert (x, y) == (pytest.approx(3000 + 96, abs=20), pytest.approx(2500 + 96, abs=20))


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((0, 0), dtype=np.uint8),
        np.zeros((1, 1), dtype=np.uint8),
        np.zeros((720, 1280, 3), dtype=np.uint8),  # all black
        np.full((720, 1280), 255, dtype=np.uint8),  # all white
        np.zeros(100, dtype=np.uint8),  # not two-dimensional
        np.zeros((40, 40, 2), dtype=np.uint8),  # two channels
        np.full((64, 64), np.nan, dtype=np.float32),
        np.random.default_rng(1).integers(0, 256, (720, 1280), dtype=np.uint8),  # noise
    ],
    ids=["empty", "1x1", "black", "white", "1-D", "2-channel", "NaN", "noise"],
)
def test_garbage_images_give_no_codes(image: np.ndarray) -> None:
    assert DecoderChain(["zxing", "pyzbar", "opencv"]).decode(image) == []


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(
        dtype=st.sampled_from([np.uint8, np.uint16, np.float32, np.bool_, np.int8]),
        shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=64),
    )
)
def test_any_array_decodes_without_an_exception(image: np.ndarray) -> None:
    assert DecoderChain(["zxing", "pyzbar", "opencv"]).decode(image) == []


def test_unknown_repeated_or_missing_decoders_are_refused_with_their_names() -> None:
    with pytest.raises(ValueError, match="unknown decoder 'zbar'; known: zxing, pyzbar, opencv"):
        DecoderChain(["zxing", "zbar"])
    with pytest.raises(ValueError, match="listed twice"):
        DecoderChain(["zxing", "zxing"])
    with pytest.raises(ValueError, match="give a list"):
        DecoderChain([])


def test_a_backend_whose_library_is_missing_says_which_and_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pyzbar.pyzbar", None)  # as if pyzbar were not installed
    with pytest.raises(DecoderUnavailable, match=r"decoder 'pyzbar' needs .*pip install pyzbar"):
        DecoderChain(["zxing", "pyzbar"])
    assert DecoderChain(["zxing"]).names == ("zxing",)  # the others still work


# -- python -m devices.decode ---------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "devices.decode", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_cli_prints_one_json_line_per_image_good_or_bad(tmp_path: Path) -> None:
    good = tmp_path / "ticket.png"
    cv2.imwrite(str(good), code_image("预约号：000123".encode(), module_px=5))
    not_image = tmp_path / "notes.png"
    not_image.write_text("not a picture")
    missing = tmp_path / "missing.jpg"
    result = run_cli(str(good), str(not_image), str(missing))
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 1  # some files could not be read
    assert [line["path"] for line in lines] == [str(good), str(not_image), str(missing)]
    assert lines[0]["codes"] == [{"text": "预约号：000123", "format": "QRCode"}]
    assert lines[0]["ms"] >= 0 and "error" not in lines[0]
    assert lines[1]["codes"] == [] and "not an image" in lines[1]["error"]
    assert lines[2]["codes"] == [] and "No such file" in lines[2]["error"]


def test_the_cli_reports_an_image_without_a_code_as_no_codes(tmp_path: Path) -> None:
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((100, 100), 255, dtype=np.uint8))
    result = run_cli("--decoders", "pyzbar,opencv", str(blank))
    assert result.returncode == 0
    assert json.loads(result.stdout)["codes"] == []


def test_the_cli_refuses_an_unknown_decoder(tmp_path: Path) -> None:
    result = run_cli("--decoders", "zxing,quirc", str(tmp_path / "x.png"))
    assert result.returncode == 2
    assert "unknown decoder 'quirc'" in result.stderr
    assert result.stdout == ""
