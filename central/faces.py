"""Face verification behind a pluggable comparator, which says plainly what it does.

The platform reads the photo (a JPEG, big enough to hold a face) and finds the citizen; the
comparator decides whether the photo shows that citizen. This reference platform has no
biometric engine and no reference photos, so its default comparator, `demo`, does no matching
at all and says so in its name and description, on `/` and at `GET /v1/faces/comparator`.
A deployment plugs in a real one (a vendor SDK or service) through `COMPARATORS`.
"""

from __future__ import annotations

import io
import warnings
from typing import ClassVar, Protocol

from PIL import Image

from offline_queue.wire import (
    FACE_IMAGE_MAX_BYTES,
    Citizen,
    FaceComparator,
    FaceVerdict,
    b64decode,
)

PHOTO_FIELD = "photo_jpeg"  # in a record's `face`: a photo the kiosk could not compare
MIN_SIDE_PX = 120  # a face in a smaller photo is too small to compare
MAX_SIDE_PX = 4096


class BadImage(ValueError):
    """The photo cannot be compared; the message says why, for people."""


def read_photo(image_b64: str) -> Image.Image:
    """The decoded JPEG; BadImage when it is not one, is damaged, or too small or large."""
    try:
        data = b64decode(image_b64)
    except ValueError:
        raise BadImage("the image is not base64") from None
    if len(data) > FACE_IMAGE_MAX_BYTES:
        raise BadImage(f"the image is larger than {FACE_IMAGE_MAX_BYTES} bytes")
    too_large = f"larger than {MAX_SIDE_PX} px a side"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=["JPEG"])
            width, height = image.size
            if max(width, height) > MAX_SIDE_PX:
                raise BadImage(f"the photo is {width}×{height} px, {too_large}")
            image.load()  # decodes it all: a damaged or cut-off JPEG fails here
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BadImage(f"the photo is {too_large}") from None
    except (OSError, SyntaxError, ValueError) as e:
        raise BadImage(f"the image is not a readable JPEG ({e.__class__.__name__})") from None
    if min(width, height) < MIN_SIDE_PX:
        raise BadImage(
            f"the photo is {width}×{height} px; a face needs at least "
            f"{MIN_SIDE_PX}×{MIN_SIDE_PX} px"
        )
    return image


class Comparator(Protocol):
    name: ClassVar[str]
    description: ClassVar[str]

    def compare(self, citizen: Citizen, photo: Image.Image) -> FaceVerdict:
        """Whether `photo` shows `citizen` (`code` no_reference when there is nothing to
        compare it with)."""
        ...


class DemoComparator:
    """Accepts every readable photo of a known citizen: for demonstrations and tests."""

    name: ClassVar[str] = "demo"
    description: ClassVar[str] = (
        "demo: no biometric matching; accepts any readable photo "
        f"(JPEG, at least {MIN_SIDE_PX}×{MIN_SIDE_PX} px) of a demo citizen"
    )

    def compare(self, citizen: Citizen, photo: Image.Image) -> FaceVerdict:
        return FaceVerdict(match=True, score=None, comparator=self.name)


class RejectComparator:
    """Refuses every face, so the kiosk's failure path can be tried end to end."""

    name: ClassVar[str] = "reject"
    description: ClassVar[str] = "reject: refuses every face (for testing the failure path)"

    def compare(self, citizen: Citizen, photo: Image.Image) -> FaceVerdict:
        return FaceVerdict(
            match=False,
            score=0,
            comparator=self.name,
            code="no_match",
            detail="this platform's comparator refuses every face",
        )


COMPARATORS: dict[str, type[Comparator]] = {
    DemoComparator.name: DemoComparator,
    RejectComparator.name: RejectComparator,
}
DEFAULT_COMPARATOR = DemoComparator.name


def comparator(name: str) -> Comparator:
    """The comparator called `name`; ValueError naming the ones there are."""
    try:
        return COMPARATORS[name]()
    except KeyError:
        raise ValueError(
            f"no face comparator {name!r}; there are {', '.join(sorted(COMPARATORS))}"
        ) from None


def info(chosen: Comparator) -> FaceComparator:
    return FaceComparator(name=chosen.name, description=chosen.description)


def refused(chosen: Comparator, code: str, detail: str) -> FaceVerdict:
    return FaceVerdict(match=False, comparator=chosen.name, code=code, detail=detail)


def judge(chosen: Comparator, citizen: Citizen | None, image_b64: str) -> FaceVerdict:
    """Whether the photo shows the citizen, or why it cannot be said."""
    if citizen is None:
        return refused(chosen, "no_reference", "no reference photo of this citizen on the platform")
    try:
        photo = read_photo(image_b64)
    except BadImage as e:
        return refused(chosen, "bad_image", str(e))
    return chosen.compare(citizen, photo)


def left_to_compare(payload: object) -> tuple[str, str] | None:
    """The id number and the photo of a record whose face the kiosk could not compare
    (offline, `face.match` null, the photo kept for the platform); None for any other."""
    if not isinstance(payload, dict):
        return None
    face, subject = payload.get("face"), payload.get("subject")
    if not isinstance(face, dict) or not isinstance(subject, dict) or face.get("match") is not None:
        return None
    photo, id_number = face.get(PHOTO_FIELD), subject.get("id_number")
    if isinstance(photo, str) and isinstance(id_number, str):
        return id_number, photo
    return None
