"""Report photos: metadata gone, upright, QR codes read, bad files refused."""

from __future__ import annotations

import io

import pytest
import qrcode
from PIL import Image

from bot.services.photos import MAX_SIDE, NotAPhotoError, clean


def jpeg_with_exif(image: Image.Image, orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x9003] = "2026:06:26 14:03:07"  # DateTimeOriginal
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def test_metadata_is_dropped_and_the_picture_turned_upright() -> None:
    data = jpeg_with_exif(Image.new("RGB", (300, 200), (10, 120, 200)), orientation=6)
    assert b"PhoneMaker" in data
    cleaned = clean(data)
    assert b"PhoneMaker" not in cleaned.jpeg and b"2026:06:26" not in cleaned.jpeg
    with Image.open(io.BytesIO(cleaned.jpeg)) as image:
        assert image.size == (200, 300)  # the EXIF rotation was applied, then dropped
        assert not image.getexif()
        assert "icc_profile" not in image.info


def test_a_large_photo_is_scaled_down() -> None:
    out = io.BytesIO()
    Image.new("RGB", (2560, 1920), (200, 200, 200)).save(out, "JPEG")
    with Image.open(io.BytesIO(clean(out.getvalue()).jpeg)) as image:
        assert max(image.size) == MAX_SIDE


def test_qr_codes_are_read() -> None:
    canvas = Image.new("RGB", (1280, 960), (230, 225, 210))
    canvas.paste(qrcode.make("https://t.me/qr_shop").get_image().convert("RGB"), (400, 250))
    out = io.BytesIO()
    canvas.save(out, "JPEG", quality=75)
    assert clean(out.getvalue()).codes == ("https://t.me/qr_shop",)


@pytest.mark.parametrize("data", [b"", b"not an image", b"\xff\xd8\xff\xe0broken"])
def test_what_is_not_a_picture_is_refused(data: bytes) -> None:
    with pytest.raises(NotAPhotoError):
        clean(data)
