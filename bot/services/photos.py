"""Photos in reports: re-encoded without metadata, and read for QR codes.

A reporter's photo never reaches moderators as it was sent: its `file_id` and
`file_unique_id` could be matched with the same file elsewhere, and a file may carry EXIF data
(where and when it was taken, the phone). The bot decodes the picture, turns it upright,
re-encodes it as a plain JPEG with no metadata and uploads that as a new file.

Wall adverts and leaflets carry a QR code instead of a typed link; each code is read with
zxing-cpp and becomes a link of the tip.
"""

from __future__ import annotations

import asyncio
import io
import warnings
from dataclasses import dataclass

import zxingcpp
from PIL import Image, ImageOps, UnidentifiedImageError

# Telegram's largest photo size is 2560 px; 1600 keeps a wall advert legible at a third of
# the bytes. Anything beyond this many pixels is refused before it is decoded.
MAX_SIDE = 1600
MAX_PIXELS = 40_000_000
JPEG_QUALITY = 85


# Made per call, not held: a zxing-cpp object alive at exit makes nanobind report leaks.
def _qr_formats() -> zxingcpp.BarcodeFormats:
    qr = zxingcpp.BarcodeFormat
    return zxingcpp.BarcodeFormats([qr.QRCode, qr.MicroQRCode])


class NotAPhotoError(ValueError):
    """The bytes are not a picture the bot can read."""


@dataclass(frozen=True, slots=True)
class CleanPhoto:
    jpeg: bytes  # re-encoded, no metadata
    codes: tuple[str, ...]  # the text of each QR code found, in reading order


def clean(data: bytes) -> CleanPhoto:
    """Decode, read QR codes, and re-encode without metadata (CPU-bound: see `clean_async`)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                if opened.width * opened.height > MAX_PIXELS:
                    raise NotAPhotoError("too many pixels")
                image = ImageOps.exif_transpose(opened).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombWarning, ValueError) as exc:
        raise NotAPhotoError(str(exc)) from exc
    codes = tuple(
        dict.fromkeys(
            result.text
            for result in zxingcpp.read_barcodes(image, formats=_qr_formats())
            if result.text
        )
    )
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    # A fresh image has no `info`: no EXIF, ICC profile or comment is carried over.
    Image.frombytes("RGB", image.size, image.tobytes()).save(
        out, "JPEG", quality=JPEG_QUALITY, optimize=True
    )
    return CleanPhoto(out.getvalue(), codes)


async def clean_async(data: bytes) -> CleanPhoto:
    """`clean` in a worker thread, so that a large photo does not stall other chats."""
    return await asyncio.to_thread(clean, data)
