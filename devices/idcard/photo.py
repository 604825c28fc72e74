"""The card photo: 1024 bytes of WLT, a closed format only vendor libraries decode.

The card model keeps the WLT bytes as they came. A site with a vendor decoder wraps it in a
`PhotoDecoder` and hands it to the reader; without one the kiosk simply shows no photo.
"""

from __future__ import annotations

from typing import Protocol


class PhotoDecoder(Protocol):
    def decode(self, wlt: bytes) -> bytes | None:
        """An image file (BMP, PNG, JPEG bytes) for the WLT photo, or None if it cannot."""
        ...


class NoPhotoDecoder:
    """The default: no vendor library, so no image."""

    def decode(self, wlt: bytes) -> bytes | None:
        return None
