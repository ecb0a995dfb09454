"""The agency's logo (issue 19): uploaded on the team page, checked and re-encoded to PNG by Pillow, served to the
agency's people and its guests (404 elsewhere), refused with a message when it is not a sane PNG or JPEG, removed;
embedded in the report's and the press review's PDFs."""
import io
import zlib
from datetime import timedelta
from types import SimpleNamespace

import pytest
from PIL import Image, PngImagePlugin
from pypdf import PdfReader
from sqlalchemy import select

from saas import db, tenancy
from saas.audit.models import AuditEvent
from saas.auth.models import Agency
from saas.db import utcnow
from tenants.dashboards import reports
from tenants.dashboards.models import Report
from tests.local_server import local_server  # noqa: F401  (fixture)
from tests.fake_stripe import billing_on, fake_stripe  # noqa: F401  (fixtures)
from tests.test_billing import set_subscription
from tests.test_guests import signed_in, world  # noqa: F401  (fixture)

EN = {"Accept-Language": "en"}
FR = {"Accept-Language": "fr"}
SECRET = "HIDDEN-IN-THE-TEXT-CHUNK"


def png_bytes(width=1200, height=400, colour=(37, 99, 235, 255), text=True, exif=True):
    """A real PNG made with Pillow: a coloured band, a text chunk and EXIF the re-encoding must drop."""
    image = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    for x in range(width // 4, width * 3 // 4):
        for y in range(height // 4, height * 3 // 4, max(1, height // 40)):
            image.putpixel((x, y), colour)
    info = PngImagePlugin.PngInfo()
    if text:
        info.add_text("Comment", SECRET)
    out = io.BytesIO()
    metadata = Image.Exif()
    metadata[0x010E] = SECRET  # ImageDescription
    image.save(out, "PNG", pnginfo=info, **({"exif": metadata} if exif else {}))
    return out.getvalue()


def jpeg_bytes(width=800, height=300):
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 60)).save(out, "JPEG", quality=80)
    return out.getvalue()


def upload(web, slug, content, name="logo.png", timezone="Europe/Paris", headers=EN):
    return web.post(f"/a/{slug}/members/settings", headers=headers, content_type="multipart/form-data",
                    data={"timezone": timezone, "logo": (io.BytesIO(content), name)})


def stored_logo(app, agency_id):
    with app.app_context():
        return db.session.scalar(select(Agency.logo).where(Agency.id == agency_id))


def test_a_png_is_re_encoded_and_served_to_the_team_and_to_guests_not_to_another_agency(app, world):
    owner = signed_in(app, world.owner)
    original = png_bytes()
    assert SECRET.encode() in original
    response = upload(owner, world.slug, original)
    assert response.status_code == 302
    kept = stored_logo(app, world.agency_id)
    image = Image.open(io.BytesIO(kept))
    assert image.format == "PNG" and image.size == (600, 200)  # scaled down to 600 px wide, proportions kept
    assert SECRET.encode() not in kept and SECRET.encode() not in zlib.compress(kept)
    assert "Comment" not in image.info and not image.getexif() and b"eXIf" not in kept and b"tEXt" not in kept
    assert image.mode == "RGBA"  # transparency kept

    page = owner.get(f"/a/{world.slug}/members/").get_data(as_text=True)
    assert 'data-testid="logo-preview"' in page and f'/a/{world.slug}/branding/logo.png?v=' in page
    assert 'alt="Agence Alpha"' in page
    served = owner.get(f"/a/{world.slug}/branding/logo.png")
    assert served.status_code == 200 and served.mimetype == "image/png" and served.data == kept
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in served.headers["Cache-Control"] and "public" not in served.headers["Cache-Control"]
    etag = served.headers["ETag"]
    assert owner.get(f"/a/{world.slug}/branding/logo.png", headers={"If-None-Match": etag}).status_code == 304

    guest = signed_in(app, world.guest)
    assert guest.get(f"/a/{world.slug}/branding/logo.png").data == kept
    portal = guest.get(f"/a/{world.slug}/portal/").get_data(as_text=True)
    assert 'class="portal-logo"' in portal and 'alt="Agence Alpha"' in portal
    member = signed_in(app, world.member)
    assert member.get(f"/a/{world.slug}/branding/logo.png").status_code == 200
    # Agency B's people do not reach A's logo; B has none of its own.
    b_owner = signed_in(app, "owner@agence-beta.test")
    assert b_owner.get(f"/a/{world.slug}/branding/logo.png").status_code == 404
    b_slug = world.slug.replace("alpha", "beta")
    assert b_owner.get(f"/a/{b_slug}/branding/logo.png").status_code == 404
    assert guest.get(f"/a/{b_slug}/branding/logo.png").status_code == 404
    assert app.test_client().get(f"/a/{world.slug}/branding/logo.png").status_code == 302  # to the login page

    with app.app_context(), tenancy.agency_scope(world.agency_id):
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "agency_settings_changed")).one()
        assert event.details == {"logo": "added"}


def test_a_jpeg_becomes_a_png_too_and_the_time_zone_is_saved_with_it(app, world):
    owner = signed_in(app, world.owner)
    assert upload(owner, world.slug, jpeg_bytes(), "logo.jpg", timezone="America/Montreal").status_code == 302
    image = Image.open(io.BytesIO(stored_logo(app, world.agency_id)))
    assert image.format == "PNG" and image.size == (600, 225) and image.mode == "RGB"
    with app.app_context():
        assert db.session.get(Agency, world.agency_id).timezone == "America/Montreal"
    # a small one stays its size; choosing no file keeps the logo
    assert upload(owner, world.slug, png_bytes(200, 80), "small.png").status_code == 302
    assert Image.open(io.BytesIO(stored_logo(app, world.agency_id))).size == (200, 80)
    kept = stored_logo(app, world.agency_id)
    assert owner.post(f"/a/{world.slug}/members/settings", data={"timezone": "UTC"}).status_code == 302
    assert stored_logo(app, world.agency_id) == kept


def _gif():
    out = io.BytesIO()
    Image.new("P", (40, 40)).save(out, "GIF")
    return out.getvalue()


def _huge_png():
    out = io.BytesIO()
    Image.new("1", (5000, 5000)).save(out, "PNG")  # a few kB on disk, 25 million pixels
    return out.getvalue()


def _bomb_png():
    """A PNG whose header claims 60,000 × 60,000 pixels: refused before a pixel is decoded."""
    out = io.BytesIO()
    Image.new("1", (8, 8)).save(out, "PNG")
    data = bytearray(out.getvalue())
    data[16:24] = (60000).to_bytes(4, "big") * 2  # width, height of IHDR
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")  # and its CRC, right again
    return bytes(data)


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(document.cookie)</script></svg>'
REFUSALS = [
    ("svg", SVG, "logo.svg", "not a PNG or JPEG image"),
    ("svg named png", SVG, "logo.png", "not a PNG or JPEG image"),
    ("gif", _gif(), "logo.gif", "not a PNG or JPEG image"),
    ("text", b"Just some words, not an image at all.\n" * 5, "logo.png", "not a PNG or JPEG image"),
    ("truncated", png_bytes(300, 100)[:120], "logo.png", "not a PNG or JPEG image"),
    ("html after a png header", b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>", "logo.png",
     "not a PNG or JPEG image"),
    ("5000 px", _huge_png(), "logo.png", "5,000 × 5,000 pixels: at most 2,000 × 2,000"),
    ("bomb", _bomb_png(), "logo.png", "too many pixels: at most 2,000 × 2,000"),
    ("empty", b"", "logo.png", "This file is empty"),
    ("over 500 KB", b"\x89PNG\r\n\x1a\n" + b"\0" * (500 * 1024), "logo.png", "more than 500 KB"),
]


@pytest.mark.parametrize("name,content,filename,message", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_what_is_not_a_sane_png_or_jpeg_is_refused_beside_the_field_and_nothing_typed_is_lost(
        app, world, name, content, filename, message):
    owner = signed_in(app, world.owner)
    response = upload(owner, world.slug, content, filename, timezone="Asia/Tokyo")
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page[:500]
    assert 'data-testid="logo-error"' in page and message in page.replace("&#39;", "'")
    assert '<option value="Asia/Tokyo" selected>' in page  # the zone chosen stays chosen
    assert stored_logo(app, world.agency_id) is None
    with app.app_context():
        assert db.session.get(Agency, world.agency_id).timezone != "Asia/Tokyo"  # nothing of the form was saved


def test_refusals_are_in_french_and_a_body_past_the_site_limit_is_a_clear_413(app, world):
    owner = signed_in(app, world.owner)
    french = upload(owner, world.slug, _gif(), "logo.gif", headers=FR).get_data(as_text=True)
    assert "n’est pas une image PNG ou JPEG" in french
    heavy = upload(owner, world.slug, b"\x89PNG" + b"\0" * (600 * 1024), headers=FR).get_data(as_text=True)
    assert "Le logo pèse plus de 500 Ko" in heavy
    huge = upload(owner, world.slug, b"\0" * (3 * 1024 * 1024), headers=EN)
    assert huge.status_code == 413 and "more than 500 KB" in huge.get_data(as_text=True)


def test_only_owners_and_admins_change_the_logo_and_removing_it_brings_the_name_back(app, world, make_member):
    owner = signed_in(app, world.owner)
    member = signed_in(app, world.member)
    assert upload(member, world.slug, png_bytes()).status_code == 403
    assert member.post(f"/a/{world.slug}/members/settings/logo/remove").status_code == 403
    guest = signed_in(app, world.guest)
    assert upload(guest, world.slug, png_bytes()).status_code == 404
    assert stored_logo(app, world.agency_id) is None
    make_member(SimpleNamespace(id=world.agency_id), f"admin@{world.slug}.test", role="admin")
    admin = signed_in(app, f"admin@{world.slug}.test")
    assert upload(admin, world.slug, png_bytes()).status_code == 302
    assert stored_logo(app, world.agency_id) is not None

    page = owner.get(f"/a/{world.slug}/members/").get_data(as_text=True)
    assert "data-confirm=" in page.split('<form id="remove-logo"')[1].split(">")[0]
    assert owner.post(f"/a/{world.slug}/members/settings/logo/remove").status_code == 302
    assert stored_logo(app, world.agency_id) is None
    assert owner.get(f"/a/{world.slug}/branding/logo.png").status_code == 404
    portal = guest.get(f"/a/{world.slug}/portal/").get_data(as_text=True)
    assert "portal-logo" not in portal and '<span class="portal-mark">A</span>' in portal
    assert 'data-testid="logo-preview"' not in owner.get(f"/a/{world.slug}/members/").get_data(as_text=True)
    with app.app_context(), tenancy.agency_scope(world.agency_id):
        details = [e.details for e in db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "agency_settings_changed").order_by(AuditEvent.id))]
        assert details == [{"logo": "added"}, {"logo": "removed"}]


def test_a_read_only_workspace_keeps_its_logo_shown_but_unchanged(app, world, billing_on):  # noqa: F811
    owner = signed_in(app, world.owner)
    assert upload(owner, world.slug, png_bytes()).status_code == 302
    set_subscription(app, SimpleNamespace(id=world.agency_id), trial_ends_at=utcnow() - timedelta(days=1))
    assert upload(owner, world.slug, jpeg_bytes()).status_code == 402
    assert owner.post(f"/a/{world.slug}/members/settings/logo/remove").status_code == 402
    assert owner.get(f"/a/{world.slug}/branding/logo.png").status_code == 200
    assert signed_in(app, world.guest).get(f"/a/{world.slug}/branding/logo.png").status_code == 200


def pdf_images(content):
    """The names of the image XObjects of every page of a PDF."""
    names = []
    for page in PdfReader(io.BytesIO(content)).pages:
        objects = page["/Resources"].get("/XObject") or {}
        names += [name for name, ref in objects.items() if ref.get_object()["/Subtype"] == "/Image"]
    return sorted(set(names))  # pages may share one resource dictionary


def test_the_report_the_dashboard_and_the_press_review_pdfs_carry_the_logo(app, world):
    owner = signed_in(app, world.owner)
    review = f"/a/{world.slug}/press/reviews/{world.ids['review_id']}/review.pdf"
    dashboard = f"/a/{world.slug}/clients/{world.ids['client_id']}/dashboard.pdf"

    def report_pdf():
        with app.app_context(), tenancy.agency_scope(world.agency_id):
            return reports.render_pdf(db.session.get(Report, world.ids["report_id"]))

    assert pdf_images(owner.get(review).data) == [] and pdf_images(report_pdf()) == []  # the name, as before
    assert "AGENCE ALPHA" in PdfReader(io.BytesIO(report_pdf())).pages[0].extract_text().upper()
    assert upload(owner, world.slug, png_bytes()).status_code == 302
    assert len(pdf_images(report_pdf())) == 1
    assert len(pdf_images(owner.get(review).data)) == 1
    assert len(pdf_images(owner.get(dashboard).data)) == 1
    guest = signed_in(app, world.guest)
    shared = guest.get(f"/a/{world.slug}/portal/press-reviews/{world.ids['review_id']}/review.pdf")
    assert shared.status_code == 200 and len(pdf_images(shared.data)) == 1

    page = owner.get(f"/a/{world.slug}/clients/{world.ids['client_id']}/reports/{world.ids['report_id']}")
    assert 'class="agency-logo report-logo"' in page.get_data(as_text=True)
    review_page = owner.get(f"/a/{world.slug}/press/reviews/{world.ids['review_id']}").get_data(as_text=True)
    assert 'class="agency-logo review-logo"' in review_page and 'alt="Agence Alpha"' in review_page


def test_the_pdf_layout_fetches_nothing_but_data_uris(app, local_server):
    """A link to a web address or a file in a print layout is never fetched by WeasyPrint."""
    from saas import pdf

    local_server.reply("/tracker.png", png_bytes(4, 4), headers={"Content-Type": "image/png"})
    html = (f'<img src="{local_server.url_for("/tracker.png")}"><img src="file:///etc/hostname">'
            '<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==">')
    with app.test_request_context():
        content = pdf.html_to_pdf(html)
    assert len(pdf_images(content)) == 1
    assert local_server.paths_seen() == []
