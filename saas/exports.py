"""Spreadsheet exports (CSV and XLSX) that open cleanly in French or English Excel, and safely.

Every export goes through here, so there is one formula guard (OWASP "CSV injection"): a
text cell that starts with = + - @, a tab or a carriage return, also after leading
whitespace, is a formula to a spreadsheet. In CSV it gets a leading single quote; in XLSX it
is written as a plain string with Excel's quote prefix (the leading apostrophe a person would
type), never as a formula. Numbers and dates stay real numbers and dates.

A `Layout` says how a reader's Excel expects the file: French Excel wants `;` between
cells, a decimal comma and day/month/year; dates are shown in the agency's time zone.
CSV is produced line by line (a streamed response); XLSX is written by openpyxl in
write-only mode to a temporary file, so memory stays flat whatever the size.
"""
import csv
import io
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # tells Excel the CSV is UTF-8
XLSX_MAX_ROWS = 1_048_576  # Excel's limit, header included
XLSX_MAX_TEXT = 32_767  # Excel's limit of characters in one cell
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TooManyRows(Exception):
    """The rows do not fit in one Excel sheet."""


def looks_like_formula(text):
    """Tell whether a spreadsheet could read this text as a formula (or a DDE command)."""
    return text[:1] in FORMULA_STARTS or text.lstrip()[:1] in FORMULA_STARTS


def defuse(text):
    """The text of a CSV cell, with a leading single quote when it could run as a formula."""
    return "'" + text if looks_like_formula(text) else text


@dataclass(frozen=True)
class Layout:
    """How one reader's spreadsheet expects a file: separator, decimal mark, dates, time zone."""

    separator: str
    decimal_comma: bool
    date_format: str  # strftime, for CSV
    xlsx_date_format: str  # Excel number format, for XLSX
    tz: object  # a tzinfo: dates are converted to it

    def local(self, moment):
        """A timezone-aware moment in the layout's zone, without tzinfo (spreadsheets have none)."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(self.tz).replace(tzinfo=None)


def layout_for(locale, tz):
    """The layout a reader of `locale` opens directly: French Excel, or English."""
    if str(locale).startswith("fr"):
        return Layout(";", True, "%d/%m/%Y %H:%M", "dd/mm/yyyy hh:mm", tz)
    return Layout(",", False, "%Y-%m-%d %H:%M", "yyyy-mm-dd hh:mm", tz)


def csv_cell(value, layout):
    """One value as CSV text: formulas defused, numbers and dates as the reader's Excel parses them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        text = repr(value) if isinstance(value, float) else str(value)
        return text.replace(".", ",") if layout.decimal_comma else text
    if isinstance(value, datetime):
        return layout.local(value).strftime(layout.date_format)
    return defuse(str(value))


def csv_chunks(header, rows, layout, batch=200):
    """Yield a CSV (UTF-8 with BOM, the layout's separator) a few lines at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=layout.separator)

    def flush():
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return value

    buffer.write(BOM)
    writer.writerow([csv_cell(value, layout) for value in header])
    yield flush()
    for number, row in enumerate(rows, 1):
        writer.writerow([csv_cell(value, layout) for value in row])
        if number % batch == 0:
            yield flush()
    yield flush()


def _xlsx_cell(sheet, value, layout):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, layout.local(value))
        cell.number_format = layout.xlsx_date_format
        return cell
    if not isinstance(value, str):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", value)[:XLSX_MAX_TEXT]  # control characters are refused by the format
    if not looks_like_formula(text):
        return text
    cell = WriteOnlyCell(sheet, text)
    cell.data_type = "s"  # openpyxl would store "=..." as a formula
    cell.quotePrefix = True  # and Excel keeps it text when someone edits the cell
    return cell


def xlsx_file(header, rows, layout, sheet_title):
    """Write an XLSX workbook of one sheet to a temporary file; return the file, at its start.

    Raises TooManyRows past Excel's million rows (the reader would lose the rest silently).
    """
    return xlsx_workbook([(sheet_title, header, rows)], layout)


def xlsx_workbook(sheets, layout):
    """Write an XLSX workbook of several sheets, each (title, header, rows), to a temporary file; return it."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for sheet_title, header, rows in sheets:
        sheet = workbook.create_sheet(sheet_title[:31])
        sheet.freeze_panes = "A2"
        sheet.append([_xlsx_cell(sheet, value, layout) for value in header])
        for number, row in enumerate(rows, 2):
            if number > XLSX_MAX_ROWS:
                raise TooManyRows(number)
            sheet.append([_xlsx_cell(sheet, value, layout) for value in row])
    output = tempfile.TemporaryFile(suffix=".xlsx")
    workbook.save(output)
    output.seek(0)
    return output
