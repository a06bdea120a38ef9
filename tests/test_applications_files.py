"""Uploads are checked on the server: the real type by content, sizes, pixels, PDF pages and
active content, and images are re-encoded (metadata and hidden payloads gone). Hostile files
are generated here, never committed."""

import io
import struct
import zlib

import pypdf
import pytest
from PIL import Image, ImageChops, ImageDraw
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, StreamObject, TextStringObject

from webapp.applications import files
from webapp.applications.files import UploadError, check
from webapp.applications.storage import LocalStorage, StorageError, from_setting


def jpeg(size=(400, 300), exif=None) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    image.save(out, "JPEG", exif=exif) if exif else image.save(out, "JPEG")
    return out.getvalue()


def pdf(pages=1, js=False, password=None) -> bytes:
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(200, 200)
    if js:
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
            NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")})
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def refused(data) -> str:
    with pytest.raises(UploadError) as caught:
        check(data)
    return caught.value.code


def test_a_photo_is_re_encoded_without_its_metadata():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    original = jpeg(exif=exif.tobytes())
    assert b"PhoneMaker" in original
    kept = check(original)
    assert kept.content_type == "image/jpeg" and kept.pages == 1
    assert b"PhoneMaker" not in kept.data and kept.data != original
    assert Image.open(io.BytesIO(kept.data)).size == (400, 300)


def test_a_big_photo_is_downscaled_and_png_becomes_jpeg():
    out = io.BytesIO()
    Image.new("RGB", (4000, 3000), (0, 90, 0)).save(out, "PNG")
    kept = check(out.getvalue())
    assert kept.content_type == "image/jpeg"
    assert max(Image.open(io.BytesIO(kept.data)).size) == files.MAX_SIDE == 1600  # as upload.js does


def noisy_photo(size=(4000, 3000), sigma=40) -> Image.Image:
    """A photo-like image that JPEG cannot squeeze much: a gradient under grain."""
    grain = Image.effect_noise(size, sigma)
    ramp = Image.linear_gradient("L").resize(size)
    return Image.merge("RGB", (ImageChops.add(ramp, grain, 1, -128), grain, ramp))


def encoded(image, kind="JPEG", **options) -> bytes:
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


def test_a_big_noisy_photo_sent_without_javascript_is_stored_small():
    sent = encoded(noisy_photo(), quality=92)
    assert len(sent) > 5 * 1024 * 1024  # what a PC with JavaScript off sends as it is
    kept = check(sent)
    stored = Image.open(io.BytesIO(kept.data))
    assert len(kept.data) <= files.MAX_STORED == 300 * 1024
    assert stored.size == (1600, 1200)  # the quality gave way first: the size is kept
    assert len(encoded(stored, quality=files.QUALITIES[0])) > files.MAX_STORED  # quality 80 alone was too big


def test_a_png_screenshot_is_stored_as_a_small_readable_jpeg():
    screen = Image.new("RGB", (2560, 1440), "white")
    pen = ImageDraw.Draw(screen)
    for row in range(80, 1440, 24):
        pen.text((40, row), "Attestation d'affiliation CNAS n. 16-2026-000123 " * 6, fill=(20, 20, 20))
    pen.rectangle((0, 0, 2560, 60), fill=(0, 90, 60))
    kept = check(encoded(screen, "PNG"))
    assert kept.content_type == "image/jpeg" and len(kept.data) <= files.MAX_STORED
    assert Image.open(io.BytesIO(kept.data)).size == (1600, 900)


def test_gps_position_and_camera_are_gone_from_every_kind_of_image():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (36.0, 45.0, 12.5), 3: "E", 4: (3.0, 3.0, 30.0)}  # GPS IFD
    photo = noisy_photo((1200, 900), 10)
    for kind in ("JPEG", "PNG", "WEBP"):
        sent = encoded(photo, kind, exif=exif.tobytes())
        assert Image.open(io.BytesIO(sent)).getexif().get_ifd(0x8825), kind  # the position was there
        kept = check(sent)
        stored = Image.open(io.BytesIO(kept.data))
        assert not stored.getexif() and not stored.info.get("exif"), kind
        assert b"PhoneMaker" not in kept.data and b"Exif" not in kept.data, kind


def test_a_clean_small_jpeg_is_never_stored_bigger_than_it_was_sent():
    sent = encoded(noisy_photo((1600, 1200), 15), quality=50, optimize=True)
    assert len(sent) < files.MAX_STORED
    assert len(files._jpeg(Image.open(io.BytesIO(sent)), files.QUALITIES[0])) > len(sent)  # 80 would grow it
    kept = check(sent)
    assert len(kept.data) <= len(sent) and kept.data != sent
    assert Image.open(io.BytesIO(kept.data)).size == (1600, 1200)


def test_readability_has_a_floor_when_nothing_fits(monkeypatch):
    monkeypatch.setattr(files, "MAX_STORED", 2_000)  # impossible for this photo
    attempts = []
    real = files._jpeg

    def counted(image, quality):
        attempts.append((max(image.size), quality, len(data := real(image, quality))))
        return data

    monkeypatch.setattr(files, "_jpeg", counted)
    kept = check(encoded(noisy_photo((3200, 2400), 40), quality=90))
    assert [side for side, _, _ in attempts[::len(files.QUALITIES)]] == [1600, 1280, 1024]  # bounded
    assert min(quality for _, quality, _ in attempts) == files.MIN_QUALITY
    assert len(kept.data) == min(size for _, _, size in attempts)  # the smallest try
    assert max(Image.open(io.BytesIO(kept.data)).size) == 1024 >= files.MIN_SIDE  # never below the floor


def test_a_script_renamed_jpg_is_refused_by_its_content():
    assert refused(b"#!/bin/sh\nrm -rf /\n") == "type"
    assert refused(b"<html><script>alert(1)</script></html>") == "type"
    assert refused(b"GIF89a" + b"\x00" * 40) == "type"  # not a type we accept


def test_a_50_megabyte_file_is_refused_before_anything_is_decoded():
    big = b"\xff\xd8\xff\xe0" + b"\x00" * (50 * 1024 * 1024)
    assert refused(big) == "too_big"


def png_header_only(width, height) -> bytes:
    """A PNG that claims huge dimensions (a decompression bomb's header)."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + \
        chunk(b"IEND", b"")


@pytest.mark.parametrize("side", [7000, 30000])  # 49 Mpx (our limit), 900 Mpx (Pillow's too)
def test_too_many_pixels_is_refused_from_the_header(side):
    assert refused(png_header_only(side, side)) == "pixels"


def test_polyglots_are_refused():
    zip_tail = b"PK\x03\x04" + b"\x00" * 26 + b"PK\x05\x06" + b"\x00" * 18
    assert refused(jpeg() + zip_tail) == "hidden"  # a JPEG that is also a ZIP
    assert refused(jpeg()[:-2] + b"<script>alert(1)</script>\xff\xd9") == "hidden"
    assert refused(pdf() + b"<html><script>alert(1)</script>") == "active"


def test_a_damaged_image_is_refused():
    assert refused(jpeg()[:200]) == "damaged"


def test_a_plain_pdf_is_kept_as_it_is():
    data = pdf(pages=3)
    kept = check(data)
    assert (kept.content_type, kept.pages, kept.data) == ("application/pdf", 3, data)


def test_pdfs_with_too_many_pages_javascript_or_a_password_are_refused():
    assert refused(pdf(pages=files.MAX_PDF_PAGES + 1)) == "pages"
    assert refused(pdf(js=True)) == "active"
    assert refused(pdf(password="secret")) == "encrypted"
    assert refused(b"%PDF-1.7\n garbage") == "damaged"


def test_a_zip_bomb_pdf_is_refused_without_being_inflated_whole():
    writer = pypdf.PdfWriter()
    page = writer.add_blank_page(200, 200)
    stream = StreamObject()
    stream._data = zlib.compress(b"0" * (files.MAX_STREAM_BYTES + 1024 * 1024), 9)
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    assert len(out.getvalue()) < 100_000  # small on the wire, 21 MB inflated
    assert refused(out.getvalue()) == "bomb"
    small = DecodedStreamObject()
    small.set_data(b"0 0 m 10 10 l S")
    page[NameObject("/Contents")] = writer._add_object(small)
    out = io.BytesIO()
    writer.write(out)
    assert check(out.getvalue()).pages == 1


def test_local_storage_keeps_bytes_under_random_names(tmp_path):
    store = LocalStorage(tmp_path)
    first, second = store.put(b"one"), store.put(b"two")
    assert first != second and len(first) == 32 and first.isalnum()
    assert store.get(first) == b"one"
    store.delete(first)
    with pytest.raises(KeyError):
        store.get(first)
    with pytest.raises(KeyError):
        store.get("../secret_key")  # a name is never a path


def test_the_storage_setting():
    assert isinstance(from_setting("", "/tmp/x"), LocalStorage)
    with pytest.raises(StorageError, match="needs a bucket name"):
        from_setting("s3:///docs", "/tmp/x")  # the S3 store itself: tests/test_storage_s3.py
