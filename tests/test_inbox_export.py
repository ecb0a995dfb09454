"""The mentions exports: formulas defused (CSV and XLSX), French or English Excel, local times, checked filters."""
import csv
import io
from datetime import datetime, timezone

import pytest
from openpyxl import load_workbook

from saas import db, tenancy
from saas.exports import defuse
from tenants.monitoring.models import Mention
from tests.factories import watched_client
from tests.conftest import login

EN = {"Accept-Language": "en"}
HYPERLINK = '=HYPERLINK("http://x","y")'
DDE = "\t=cmd|' /C calc'!A0"
WINTER = datetime(2026, 1, 5, 6, 41, tzinfo=timezone.utc)  # 07:41 in Paris (UTC+1)


@pytest.fixture
def hostile(app, client, make_agency):
    """An agency whose client, keyword and mentions carry spreadsheet formulas, signed in as its owner."""
    agency = make_agency()
    with app.app_context(), tenancy.agency_scope(agency.id):
        brand, keyword = watched_client("@SUM(1)", query="-2+3+cmd|' /C calc'!A0")
        db.session.add_all([
            Mention(client_id=brand.id, keyword_id=keyword.id, source_kind="rss", source_name="+33 6 12 34 56 78",
                    item_key="one", url="https://news.example/1", title="@SUM(1)", excerpt=DDE, author=HYPERLINK,
                    published_at=WINTER, language="fr", sentiment="negative", sentiment_score=-0.5, status="new"),
            Mention(client_id=brand.id, keyword_id=keyword.id, source_kind="reddit", source_name="r/france",
                    item_key="two", title=" =1+1", excerpt='Plain; with "quotes", commas\x0b and a tab\tinside',
                    author="\r=1+1", published_at=datetime(2026, 1, 4, 23, 30, tzinfo=timezone.utc), language="und",
                    sentiment="negative", sentiment_corrected="positive", sentiment_score=0.25, status="read"),
        ])
        db.commit()
        ids = {"client": brand.id, "keyword": keyword.id}
    login(client, agency.owner_email)
    return agency, ids


def read_csv(response, separator):
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf"), "no UTF-8 BOM"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=separator))


def test_the_formula_guard_follows_owasp():
    for text in ("=1+1", "+1", "-2+3", "@SUM(1)", "\t=cmd", "\r=cmd", "\tplain", " =1+1", "\n=1+1", "\u00a0@x"):
        assert defuse(text) == "'" + text, repr(text)
    for text in ("", "Jean-Pierre", "a=b", "hello @x", "r/france", "'quoted"):
        assert defuse(text) == text, repr(text)


def test_french_csv_has_bom_semicolons_paris_time_french_words_and_no_live_formula(client, hostile):
    agency, _ = hostile
    response = client.get(f"/a/{agency.slug}/mentions/export.csv")
    assert response.status_code == 200 and response.is_streamed
    header, first, second = read_csv(response, ";")
    assert header[0] == "Publiée (Europe/Paris)" and header[3] == "Type de source" and header[11] == "Score de tonalité"
    assert first == ["05/01/2026 07:41", "'@SUM(1)", "'-2+3+cmd|' /C calc'!A0", "Flux RSS", "'+33 6 12 34 56 78",
                     "'" + HYPERLINK, "'@SUM(1)", "'" + DDE, "https://news.example/1", "Français", "Négative", "-0,5",
                     "Nouveau", ""]  # no tags
    assert second[0] == "05/01/2026 00:30"  # 23:30 UTC the day before
    assert second[4:8] == ["r/france", "'\r=1+1", "' =1+1", 'Plain; with "quotes", commas\x0b and a tab\tinside']
    assert second[9:] == ["Indéterminée", "Positive", "0,25", "Lu", ""]


def test_english_csv_uses_commas_iso_dates_and_english_words(client, hostile):
    agency, _ = hostile
    header, first, _ = read_csv(client.get(f"/a/{agency.slug}/mentions/export.csv", headers=EN), ",")
    assert header[:4] == ["Published (Europe/Paris)", "Client", "Keyword", "Source type"]
    assert first[0] == "2026-01-05 07:41" and first[5] == "'" + HYPERLINK
    assert first[9:] == ["French", "Negative", "-0.5", "New", ""]


def test_xlsx_keeps_formulas_as_quoted_text_and_numbers_and_dates_as_such(client, hostile):
    agency, _ = hostile
    response = client.get(f"/a/{agency.slug}/mentions/export.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert 'filename=mentions-' in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    header, first, second = list(sheet.iter_rows())
    assert header[0].value == "Publiée (Europe/Paris)"
    assert all(cell.data_type != "f" for row in (header, first, second) for cell in row)
    for cell, text in ((first[1], "@SUM(1)"), (first[2], "-2+3+cmd|' /C calc'!A0"), (first[5], HYPERLINK),
                       (first[6], "@SUM(1)"), (first[7], DDE), (second[5], "\n=1+1"), (second[6], " =1+1")):
        # (XML reads a carriage return back as a line feed)
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True), cell.coordinate
    assert (first[8].value, first[8].quotePrefix) == ("https://news.example/1", False)
    assert first[0].value == datetime(2026, 1, 5, 7, 41) and first[0].number_format == "dd/mm/yyyy hh:mm"
    assert (first[11].value, first[11].data_type) == (-0.5, "n")
    assert [c.value for c in first[9:11]] + [first[12].value] == ["Français", "Négative", "Nouveau"]
    assert second[7].value == 'Plain; with "quotes", commas and a tab\tinside'  # \x0b is not allowed in XLSX


def test_english_xlsx_has_english_words_and_iso_dates(client, hostile):
    agency, _ = hostile
    sheet = load_workbook(io.BytesIO(client.get(f"/a/{agency.slug}/mentions/export.xlsx", headers=EN).get_data())).active
    first = next(sheet.iter_rows(min_row=2))
    assert first[0].number_format == "yyyy-mm-dd hh:mm" and [c.value for c in first[9:11]] == ["French", "Negative"]


def test_exports_apply_the_filters_with_days_in_the_agency_time_zone(client, hostile):
    agency, ids = hostile
    base = f"/a/{agency.slug}/mentions/export"
    rows = read_csv(client.get(f"{base}.csv?client={ids['client']}&from=2026-01-05&to=2026-01-05&status=read",
                               headers=EN), ",")
    assert len(rows) == 2 and rows[1][0] == "2026-01-05 00:30"  # 23:30 UTC on the 4th is the 5th in Paris
    assert len(read_csv(client.get(f"{base}.csv?from=2026-01-06", headers=EN), ",")) == 1
    sheet = load_workbook(io.BytesIO(client.get(f"{base}.xlsx?sentiment=positive&status=read").get_data())).active
    assert [row[6].value for row in sheet.iter_rows(min_row=2)] == [" =1+1"]


@pytest.mark.parametrize("query, status", [
    ("keyword=99999999999", 400), ("client=2147483648", 400), ("mention=%C2%B2", 400), ("keyword=abc", 400),
    ("source=fax", 400), ("sentiment=furious", 400), ("lang=de", 400), ("status=gone", 400),
    ("from=yesterday", 400), ("to=2026-02-30", 400), ("from=0001-01-01", 400), ("q=a%00b", 400),
    ("keyword=2147483647", 404), ("client=123456", 404), ("mention=99", 404),
])
def test_a_bad_filter_is_refused_before_anything_is_streamed(client, hostile, query, status):
    agency, _ = hostile
    for extension in ("csv", "xlsx"):
        response = client.get(f"/a/{agency.slug}/mentions/export.{extension}?{query}", headers=EN)
        assert response.status_code == status, f"{extension}?{query}"
        assert "text/html" in response.content_type  # an error page, not the start of a file
    if status == 400:
        body = client.get(f"/a/{agency.slug}/mentions/export.csv?{query}", headers=EN).get_data(as_text=True)
        name = query.split("=")[0]
        assert f"“{name}”" in body or "Use dates like" in body  # the message names the filter (saas.params)
        french = client.get(f"/a/{agency.slug}/mentions/export.csv?{query}").get_data(as_text=True)
        assert f"« {name} »" in french or f"“{name}”" in french or "Utilisez des dates" in french


def test_the_inbox_offers_both_exports_with_its_filters(client, hostile):
    agency, ids = hostile
    page = client.get(f"/a/{agency.slug}/mentions/?client={ids['client']}&sentiment=negative", headers=EN).get_data(as_text=True)
    for extension in ("xlsx", "csv"):
        assert f"/a/{agency.slug}/mentions/export.{extension}?client={ids['client']}&amp;sentiment=negative" in page
    assert "Export Excel" in page and "Export CSV" in page
