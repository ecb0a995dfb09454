"""An agency's logo: an uploaded PNG or JPEG checked with Pillow, then re-encoded as a clean PNG.

Only the re-encoded pixels are kept (no metadata, no text chunk, no trailing bytes of a polyglot),
at most WIDTH pixels wide. The logo's route (saas/auth/logo_views.py) serves it to the agency's
people, guests included; PDFs embed it as a data: URI (`data_uri`), so WeasyPrint fetches nothing.
"""
import base64
import io
import warnings

from flask import url_for
from flask_babel import format_number
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select

from saas import db
from saas.auth.models import Agency
from saas.db import utcnow

MAX_BYTES = 500 * 1024
MAX_SIDE = 2000  # pixels, each way, of the upload
WIDTH = 600  # pixels: the widest logo kept
FORMATS = ("PNG", "JPEG")


class LogoRefused(ValueError):
    """An upload that is not a logo we keep; its message says why, in the reader's language."""


def too_heavy_message():
    """Why a file past MAX_BYTES is refused (also for a body past the site's own limit)."""
    return _("The logo weighs more than %(size)s KB: export it smaller.", size=format_number(MAX_BYTES // 1024))


def _refuse_unreadable():
    return LogoRefused(_("This file is not a PNG or JPEG image we can read (SVG, GIF and other files are refused): "
                         "export the logo again as PNG or JPEG."))


def _refuse_size(width=None, height=None):
    side = format_number(MAX_SIDE)
    if width is None:
        return LogoRefused(_("The logo has too many pixels: at most %(side)s × %(side)s are accepted.", side=side))
    return LogoRefused(_("The logo is %(width)s × %(height)s pixels: at most %(side)s × %(side)s are accepted.",
                         width=format_number(width), height=format_number(height), side=side))


def _open(content):
    """The decoded image of an upload, its size checked before its pixels are decoded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # a bomb is refused, never decoded
            image = Image.open(io.BytesIO(content), formats=FORMATS)
            if image.format not in (*FORMATS, "MPO"):  # MPO: a camera's JPEG holding several pictures
                raise _refuse_unreadable()
            width, height = image.size
            if width > MAX_SIDE or height > MAX_SIDE:
                raise _refuse_size(width, height)
            image.load()  # a truncated or damaged file fails here
            return image
    except LogoRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as problem:  # far past MAX_SIDE
        raise _refuse_size() from problem
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, MemoryError) as problem:
        raise _refuse_unreadable() from problem


def reencode(content):
    """The upload as PNG bytes at most WIDTH px wide, or LogoRefused with why."""
    if not content:
        raise LogoRefused(_("This file is empty: choose a PNG or JPEG image."))
    if len(content) > MAX_BYTES:
        raise LogoRefused(too_heavy_message())
    image = _open(content)
    try:
        image = ImageOps.exif_transpose(image)  # a photo taken sideways stands up before its EXIF is dropped
        transparent = "A" in image.getbands() or "transparency" in image.info
        image = image.convert("RGBA" if transparent else "RGB")
        if image.width > WIDTH:
            image = image.resize((WIDTH, max(1, round(image.height * WIDTH / image.width))), Image.Resampling.LANCZOS)
        clean = Image.frombytes(image.mode, image.size, image.tobytes())  # pixels only: no info, ICC or EXIF
        out = io.BytesIO()
        clean.save(out, "PNG", optimize=True)
    except (OSError, ValueError, SyntaxError) as problem:
        raise _refuse_unreadable() from problem
    return out.getvalue()


def set_logo(agency, png):
    """Keep a re-encoded logo for the agency."""
    agency.logo, agency.logo_updated_at = png, utcnow()
    db.session.flush()


def remove_logo(agency):
    """Forget the agency's logo: its name in its colour shows again."""
    agency.logo, agency.logo_updated_at = None, None
    db.session.flush()


def logo_bytes(agency_id):
    """The agency's logo (PNG bytes), or None; the one read of the deferred column."""
    return db.session.scalar(select(Agency.logo).where(Agency.id == agency_id))


def version(agency):
    """What changes with the logo (its address and ETag carry it), or None without one."""
    stamp = agency.logo_updated_at
    return None if stamp is None else str(int(stamp.timestamp() * 1_000_000))


def url_of(agency):
    """The address of the agency's logo for a page (versioned: a new logo is a new address), or None."""
    stamp = version(agency)
    return None if stamp is None else url_for("branding.agency_logo", agency_slug=agency.slug, v=stamp)


def data_uri(agency):
    """The logo as a data: URI for a PDF (WeasyPrint reads it without fetching anything), or None."""
    if agency.logo_updated_at is None:
        return None
    png = logo_bytes(agency.id)
    return None if png is None else "data:image/png;base64," + base64.b64encode(png).decode("ascii")
