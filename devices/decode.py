"""`python -m devices.decode IMAGE... [--decoders zxing,pyzbar]`: decode QR codes in image files.

Prints one JSON line per image, in the order given:

    {"path": "a.png", "codes": [{"text": "...", "format": "QRCode"}], "ms": 3.1}

`ms` is the decoding time alone (not reading the file). A file that cannot be read or is not an
image gets `"codes": []` and an `"error"`; the exit status is then 1. An unknown decoder, or one
whose library is missing, is a usage error (status 2) naming it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from devices.decoders import DEFAULT_DECODERS, DecoderChain, DecoderUnavailable


def decode_file(chain: DecoderChain, path: Path) -> dict[str, object]:
    result: dict[str, object] = {"path": str(path), "codes": []}
    try:
        data = path.read_bytes()
    except OSError as error:
        result["error"] = f"cannot read: {error.strerror or error}"
        return result
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR) if data else None
    if image is None:
        result["error"] = "not an image OpenCV can read"
        return result
    started = time.perf_counter()
    found = chain.decode(image)
    result["ms"] = round((time.perf_counter() - started) * 1000, 2)
    result["codes"] = [{"text": d.code.text, "format": d.code.format} for d in found]
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devices.decode", description="Decode QR codes in image files."
    )
    parser.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    parser.add_argument(
        "--decoders",
        default=",".join(DEFAULT_DECODERS),
        help="comma-separated chain, tried in order (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    try:
        chain = DecoderChain([name.strip() for name in args.decoders.split(",") if name.strip()])
    except (ValueError, DecoderUnavailable) as error:
        parser.error(f"--decoders: {error}")
    failed = False
    for path in args.images:
        result = decode_file(chain, path)
        failed |= "error" in result
        print(json.dumps(result, ensure_ascii=False), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
