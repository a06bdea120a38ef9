"""Checking an uploaded file on the server, whatever its name or declared type says.

The type is read from the bytes (JPEG, PNG, WebP, PDF); anything else is refused. An image's
size in pixels is read from its header before any decoding (a decompression bomb never gets
decoded), then the image is decoded, turned upright, downscaled and re-encoded as a fresh
JPEG: its metadata (GPS position ...) and anything hidden after or inside it is gone. A stored
image page stays small, as the phone's own downscaling (static/js/upload.js) makes it: its
longest side at most MAX_SIDE, at most MAX_STORED bytes (lower quality first, then a smaller
size, never below MIN_QUALITY or MIN_SIDE so text stays readable). A PDF
is opened with pypdf under limits: pages, no encryption, no JavaScript or embedded files,
and no content stream that inflates past a limit. Every refusal is an UploadError whose code
the views translate.
"""

import io
import re
import warnings
import zlib
from dataclasses import dataclass

import pypdf
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf.errors import PdfReadError, PyPdfError

MAX_BYTES = 10 * 1024 * 1024  # what a phone sends after its own downscaling is far smaller
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; more is refused before decoding
MAX_SIDE = 1600  # the stored image's longest side, as upload.js sends it: enough to read an identity card
MAX_STORED = 300 * 1024  # a stored image page, at most (the issue: "<= 300 kB a page")
QUALITIES = (80, 70, 60, 50, 45)  # JPEG qualities tried in turn, at each size
MIN_QUALITY = QUALITIES[-1]
SIDE_STEP = 0.8  # then the longest side shrinks by this much, down to MIN_SIDE
MIN_SIDE = 1000  # below this, an A4 page's small print is no longer readable
MAX_PDF_PAGES = 10
MAX_STREAM_BYTES = 20 * 1024 * 1024  # a page's content, once inflated
ACTIVE_PDF = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA|SubmitForm|ImportData)\b")
HIDDEN = re.compile(rb"PK\x03\x04|PK\x05\x06|<script|<\?php|<html|<svg|<!doctype", re.IGNORECASE)


class UploadError(Exception):
    """The file is refused; `code` says why (see views/messages.py UPLOAD_ERRORS)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass
class Checked:
    """A file fit to keep: its bytes (re-encoded for an image), type and page count."""

    data: bytes
    content_type: str
    pages: int


def sniff(data: bytes) -> str | None:
    """The real type of `data` from its first bytes, among the types we accept."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def check(data: bytes) -> Checked:
    """Check one uploaded file; raise UploadError(code) if it is refused."""
    if not data:
        raise UploadError("empty")
    if len(data) > MAX_BYTES:
        raise UploadError("too_big")
    kind = sniff(data)
    if kind is None:
        raise UploadError("type")
    if kind == "application/pdf":
        return _check_pdf(data)
    return _check_image(data, kind)


def _check_image(data: bytes, kind: str) -> Checked:
    if HIDDEN.search(data):
        raise UploadError("hidden")  # a polyglot: an image that is also an archive or a page
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # Pillow's guard, raised
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise UploadError("pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise UploadError("damaged") from None
    try:
        with image:
            if Image.MIME.get(image.format) != kind:
                raise UploadError("type")
            width, height = image.size  # from the header: nothing decoded yet
            if width * height > MAX_PIXELS or not width or not height:
                raise UploadError("pixels")
            image.load()
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise UploadError("damaged") from None
    goal = min(MAX_STORED, len(data)) if kind == "image/jpeg" else MAX_STORED
    return Checked(_small_jpeg(upright, goal), "image/jpeg", 1)


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True)  # no exif, no comment, nothing else
    return out.getvalue()


def _small_jpeg(image: Image.Image, goal: int) -> bytes:
    """`image` as a fresh JPEG of at most `goal` bytes (MAX_STORED, or less: a JPEG that was
    sent smaller is not stored bigger, as far as MIN_QUALITY allows). Full size first, quality
    stepping down; at full size, the smallest try under MAX_STORED will do. Only when nothing at full size
    fits MAX_STORED, the size steps down too. If even MIN_SIDE at MIN_QUALITY is too big, the
    smallest try is kept. At most len(QUALITIES) * 3 encodings (1600, 1280, 1024 px)."""
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS, reducing_gap=3.0)
    side, smallest = max(image.size), b""
    while True:
        scaled = image.copy()
        scaled.thumbnail((side, side), Image.Resampling.LANCZOS)
        for quality in QUALITIES:
            attempt = _jpeg(scaled, quality)
            if not smallest or len(attempt) < len(smallest):
                smallest = attempt
            if len(attempt) <= goal:
                return attempt
        if len(smallest) <= MAX_STORED:
            return smallest  # not smaller than what was sent, but small enough: keep the size
        side = int(side * SIDE_STEP)
        if side < MIN_SIDE:
            return smallest


def _check_pdf(data: bytes) -> Checked:
    if ACTIVE_PDF.search(data) or b"PK\x05\x06" in data[-66_000:] or _trailing_html(data):
        raise UploadError("active")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise UploadError("encrypted")
        pages = len(reader.pages)
        if pages > MAX_PDF_PAGES:
            raise UploadError("pages")
        if pages == 0:
            raise UploadError("damaged")
        root = reader.trailer["/Root"]
        names = root.get("/Names")
        if "/AcroForm" in root and "/XFA" in root["/AcroForm"] or names and (
                "/JavaScript" in names or "/EmbeddedFiles" in names):
            raise UploadError("active")
        for page in reader.pages:
            _bounded_contents(page)
            if "/AA" in page:
                raise UploadError("active")
    except UploadError:
        raise
    except (PdfReadError, PyPdfError, KeyError, ValueError, TypeError, AttributeError, RecursionError, OSError):
        raise UploadError("damaged") from None
    return Checked(data, "application/pdf", pages)


def _trailing_html(data: bytes) -> bool:
    return bool(HIDDEN.search(data[:1024]) or HIDDEN.search(data[-1024:]))


def _bounded_contents(page) -> None:
    """Inflate the page's content streams up to MAX_STREAM_BYTES: a "zip bomb" is refused
    without ever being inflated whole."""
    contents = page.get("/Contents")
    if contents is None:
        return
    contents = contents.get_object()
    streams = contents if isinstance(contents, list | pypdf.generic.ArrayObject) else [contents]
    left = MAX_STREAM_BYTES
    for ref in streams:
        stream = ref.get_object()
        raw = stream._data  # the stored (compressed) bytes: pypdf has not inflated them
        filters = stream.get("/Filter")
        filters = [filters] if isinstance(filters, str) else list(filters or [])
        if not filters:
            left -= len(raw)
        elif filters == ["/FlateDecode"]:
            inflater = zlib.decompressobj()
            try:
                out = inflater.decompress(raw, left + 1)
            except zlib.error:
                raise UploadError("damaged") from None
            left -= len(out)
        else:
            left -= len(raw)  # other filters (images) are not inflated here
        if left < 0:
            raise UploadError("bomb")
