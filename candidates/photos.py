"""Candidates' photos: only real JPEG, PNG or WebP images, within limits, re-encoded without metadata."""
from __future__ import annotations

import hashlib
import io
import warnings

from flask import current_app

from app.uploads import LimitInMegabytes
from candidates.errors import InvalidPhoto, PhotoTooLarge
from candidates.models import Photo

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_PIXELS = 40_000_000  # about 7,000 x 6,000: a phone's photo fits, a decompression bomb does not
OUTPUT_SIZE = (800, 800)  # the longest side after re-encoding


def max_bytes() -> int:
    return int(current_app.config.get("CANDIDATES_PHOTO_MAX_BYTES", 5 * 1024 * 1024))


# The photo's limit as its label and its refusal say it: the setting's, not a figure typed in a sentence.
PHOTO_MEGABYTES = LimitInMegabytes(max_bytes)


def process_photo(data: bytes) -> Photo:
    """Check ``data`` is an accepted image within the limits and return a new Photo holding it
    re-encoded as JPEG (which drops EXIF, GPS position and any other metadata). Not added to the session."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > max_bytes():
        raise PhotoTooLarge(f"{len(data)} bytes")
    if not data:
        raise InvalidPhoto("empty file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise InvalidPhoto(f"format {probe.format}")
                if probe.width * probe.height > MAX_PIXELS:
                    raise PhotoTooLarge(f"{probe.width}x{probe.height}")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                image = _upright(image)
                image = image.convert("RGB")
                image.thumbnail(OUTPUT_SIZE)
                out = io.BytesIO()
                image.save(out, "JPEG", quality=85, optimize=True)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoTooLarge("decompression bomb") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InvalidPhoto(str(exc)) from exc
    encoded = out.getvalue()
    return Photo(data=encoded, mime="image/jpeg", width=image.width, height=image.height,
                 sha256=hashlib.sha256(encoded).hexdigest())


def _upright(image):
    """Apply the EXIF orientation before the EXIF is dropped, so a portrait stays a portrait."""
    from PIL import ImageOps

    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # a broken EXIF block: keep the pixels as they are
        return image
