"""Contact files agencies already have (CSV, XLSX): read, guess the columns, import with duplicates merged.

A CSV is read as UTF-8 (with or without BOM), else Windows-1252 (French Excel's), its separator
sniffed among ; , and tab. An XLSX is read by openpyxl in read-only mode, after checking that its
unpacked size stays reasonable (a zip bomb is refused before openpyxl opens it). A row is a
duplicate of a contact that has one of its email addresses, or the same name and one of its outlets:
it is merged (empty fields filled, lists completed), never doubled.
"""
import csv
import io
import re
import zipfile

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from saas import db
from saas.db import utcnow
from saas.normalize import normalize
from saas.validation import EMAIL_RE
from tenants.clients.models import SOCIAL_NETWORKS
from tenants.press import service
from tenants.press.models import KINDS, LAWFUL_BASES, OUTLET_TYPES, ContactImport, PressContact

MAX_XLSX_UNPACKED = 60 * 1024 * 1024
MAX_PROBLEMS = 500  # rows listed in the report (the counts stay exact)
PREVIEW_ROWS = 5
PROGRESS_EVERY = 250

# Where a column can go, with its label on the mapping page.
FIELDS = {
    "first_name": _l("First name"), "last_name": _l("Last name"), "full_name": _l("Full name"),
    "outlets": _l("Outlet"), "outlet_type": _l("Outlet type"), "kind": _l("Contact type"), "role": _l("Role"),
    "beats": _l("Beats"), "languages": _l("Languages"), "emails": _l("Email"), "phones": _l("Phone"),
    "city": _l("City"), "region": _l("Region"), "notes": _l("Notes"), "data_source": _l("Source of the data"),
    "lawful_basis": _l("Lawful basis"),
    **{f"social_{network}": network.capitalize() if network != "x" else "X (Twitter)" for network in SOCIAL_NETWORKS},
}
# Folded column titles (French and English) and the field each one means.
SYNONYMS = {
    "first_name": ("prenom", "first name", "firstname", "given name", "forename"),
    "last_name": ("nom", "nom de famille", "last name", "lastname", "surname", "family name"),
    "full_name": ("nom complet", "name", "full name", "contact", "journaliste", "journalist", "nom et prenom",
                  "prenom nom", "identite"),
    "outlets": ("media", "medias", "outlet", "outlets", "publication", "journal", "support", "supports", "titre",
                "redaction", "organisation", "organization", "company", "societe", "entreprise"),
    "outlet_type": ("type de media", "type media", "outlet type", "media type", "categorie media"),
    "kind": ("type", "type de contact", "contact type", "categorie", "category"),
    "role": ("fonction", "poste", "role", "job title", "title", "position", "titre du poste"),
    "beats": ("rubrique", "rubriques", "thematique", "thematiques", "themes", "theme", "beat", "beats", "topics",
              "topic", "sujets", "secteur", "secteurs", "centres d interet", "tags"),
    "languages": ("langue", "langues", "language", "languages", "lang"),
    "emails": ("email", "e mail", "emails", "courriel", "mail", "adresse email", "adresse e mail", "email address",
               "adresse mail"),
    "phones": ("telephone", "tel", "phone", "mobile", "portable", "phone number", "numero", "telephone mobile"),
    "city": ("ville", "city", "town", "localite"),
    "region": ("region", "departement", "state", "county", "zone"),
    "notes": ("notes", "note", "commentaire", "commentaires", "remarques", "comments", "observations"),
    "data_source": ("source", "origine", "provenance", "data source"),
    "lawful_basis": ("base legale", "lawful basis", "legal basis", "base juridique"),
    "social_x": ("twitter", "x", "compte twitter", "twitter handle"),
    "social_linkedin": ("linkedin",), "social_instagram": ("instagram",), "social_facebook": ("facebook",),
    "social_tiktok": ("tiktok",), "social_youtube": ("youtube",), "social_bluesky": ("bluesky",),
    "social_mastodon": ("mastodon",),
}
LANGUAGE_NAMES = {"francais": "fr", "french": "fr", "anglais": "en", "english": "en", "allemand": "de",
                  "german": "de", "espagnol": "es", "spanish": "es", "italien": "it", "italian": "it",
                  "neerlandais": "nl", "dutch": "nl", "portugais": "pt", "portuguese": "pt"}
KIND_NAMES = {"journaliste": "journalist", "redacteur": "editor", "redactrice": "editor", "redacteur en chef": "editor",
              "editor": "editor", "influenceur": "influencer", "influenceuse": "influencer", "blogueur": "blogger",
              "blogueuse": "blogger", "blogger": "blogger", "journalist": "journalist", "influencer": "influencer"}
OUTLET_TYPE_NAMES = {"nationale": "national", "national": "national", "regionale": "regional", "regional": "regional",
                     "pqr": "regional", "specialisee": "trade", "professionnelle": "trade", "trade": "trade",
                     "internationale": "international", "international": "international", "web": "web",
                     "en ligne": "web", "online": "web", "pure player": "web", "tv": "broadcast", "radio": "broadcast",
                     "television": "broadcast", "broadcast": "broadcast", "blog": "blog"}
BASIS_NAMES = {"interet legitime": "legitimate_interest", "legitimate interest": "legitimate_interest",
               "consentement": "consent", "consent": "consent", "contrat": "contract", "contract": "contract"}
SPLIT_LIST = re.compile(r"[;,|\n/]+")
SPLIT_PHONES = re.compile(r"[;,|\n/]+")
SPLIT_EMAILS = re.compile(r"[;,\s]+")
REASONS = {
    "no_name": _l("No name and no email address"),
    "bad_email": _l("Email address not valid, left out"),
    "empty": _l("Empty row"),
}
LIMITS = {"first_name": 80, "last_name": 80, "role": 120, "city": 120, "region": 120, "data_source": 200,
          "notes": 10_000}


class UnreadableFile(ValueError):
    """A file that is not a CSV or an XLSX this importer can read; its message says why."""


def max_bytes():
    """The largest file accepted (PRESS_IMPORT_MAX_BYTES)."""
    return int(current_app.config.get("PRESS_IMPORT_MAX_BYTES", 2 * 1024 * 1024))


def max_rows():
    """The most rows one import reads (PRESS_IMPORT_MAX_ROWS)."""
    return int(current_app.config.get("PRESS_IMPORT_MAX_ROWS", 20_000))


def kind_of(filename, content):
    """"csv" or "xlsx", told by the name and the first bytes; UnreadableFile otherwise."""
    name = (filename or "").lower()
    if content[:4] == b"PK\x03\x04" or name.endswith(".xlsx"):
        return "xlsx"
    if name.endswith((".csv", ".txt")) or not name.rpartition(".")[1]:
        return "csv"
    raise UnreadableFile(_l("Send a CSV or an Excel (.xlsx) file."))


def _decode(content):
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return content.decode("latin-1")


def _csv_rows(content):
    if b"\x00" in content[:4096]:
        raise UnreadableFile(_l("This file is not a text CSV (it holds binary data)."))
    text = _decode(content)
    sample = text[:20_000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=";,\t")
        separator = dialect.delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        separator = max(";,\t", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        for row in reader:
            yield [cell.strip() for cell in row]
    except csv.Error as error:
        raise UnreadableFile(_l("The CSV could not be read: %(error)s", error=str(error)[:120])) from error


def _xlsx_rows(content):
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        if sum(info.file_size for info in archive.infolist()) > MAX_XLSX_UNPACKED:
            raise UnreadableFile(_l("This Excel file unpacks to too much data."))
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except UnreadableFile:
        raise
    except Exception as error:  # a damaged archive or workbook: openpyxl raises many kinds
        raise UnreadableFile(_l("This Excel file could not be opened (it may be damaged or not an .xlsx).")) from error
    try:
        for row in sheet.iter_rows(values_only=True):
            yield ["" if cell is None else _cell_text(cell) for cell in row]
    finally:
        workbook.close()


def _cell_text(cell):
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return str(cell).strip()


def read_rows(kind, content):
    """Yield the rows of a file as lists of texts (the first is the header); UnreadableFile when it cannot be read."""
    rows = _xlsx_rows(content) if kind == "xlsx" else _csv_rows(content)
    for number, row in enumerate(rows):
        if number > max_rows():
            raise UnreadableFile(_l("The file has more than %(n)d rows: split it.", n=max_rows()))
        yield row


def inspect(kind, content):
    """(header, first rows) of a file, checked readable; UnreadableFile when it is empty or unreadable."""
    rows = read_rows(kind, content)
    header = next((row for row in rows if any(row)), None)
    if not header:
        raise UnreadableFile(_l("The file is empty."))
    preview = []
    for row in rows:
        if any(row):
            preview.append(row)
        if len(preview) >= PREVIEW_ROWS:
            break
    return [cell[:80] for cell in header], preview


def guess_mapping(header):
    """{column index as text: field} guessed from the column titles (French or English)."""
    by_title = {title: field for field, titles in SYNONYMS.items() for title in titles}
    mapping, taken = {}, set()
    for index, title in enumerate(header):
        field = by_title.get(normalize(title).strip())
        if field and (field not in taken or field in ("outlets", "beats", "emails", "phones")):
            mapping[str(index)] = field
            taken.add(field)
    return mapping


def _choice(text, names, choices):
    folded = normalize(text).strip()
    value = names.get(folded, folded.replace(" ", "_"))
    return value if value in choices else ""


def row_values(row, mapping):
    """The contact values of one row under a mapping, and the problems met: (values, [reason code])."""
    values = {key: [] for key in service.LIST_FIELDS}
    values["social_handles"], problems = {}, []
    for index, field in mapping.items():
        position = int(index)
        cell = row[position].strip() if position < len(row) else ""
        if not cell:
            continue
        if field == "full_name":
            first, _space, last = cell.partition(" ")
            values.setdefault("first_name", first)
            values.setdefault("last_name", last)
        elif field == "emails":
            for email in SPLIT_EMAILS.split(cell.lower()):
                if email and EMAIL_RE.match(email) and len(email) <= 254:
                    values["emails"].append(email)
                elif email:
                    problems.append("bad_email")
        elif field == "phones":
            values["phones"] += [phone.strip()[:40] for phone in SPLIT_PHONES.split(cell) if phone.strip()]
        elif field in ("outlets", "beats"):
            values[field] += [item.strip()[:120] for item in SPLIT_LIST.split(cell) if item.strip()]
        elif field == "languages":
            for item in SPLIT_LIST.split(cell):
                code = normalize(item).strip()
                code = LANGUAGE_NAMES.get(code, code)
                if 2 <= len(code) <= 3 and code.isalpha():
                    values["languages"].append(code)
        elif field == "kind":
            values["kind"] = _choice(cell, KIND_NAMES, KINDS) or "other"
        elif field == "outlet_type":
            values["outlet_type"] = _choice(cell, OUTLET_TYPE_NAMES, OUTLET_TYPES)
        elif field == "lawful_basis":
            values["lawful_basis"] = _choice(cell, BASIS_NAMES, LAWFUL_BASES)
        elif field.startswith("social_"):
            values["social_handles"][field.removeprefix("social_")] = cell[:200]
        else:
            values[field] = cell[:LIMITS.get(field, 200)]
    for key in service.LIST_FIELDS:
        seen, unique = set(), []
        for item in values[key]:
            if normalize(item) not in seen:
                seen.add(normalize(item))
                unique.append(item)
        values[key] = unique[:20]
    return values, problems


class Index:
    """The agency's contacts by email and by (name, outlet), kept current while an import runs."""

    def __init__(self):
        self.by_email, self.by_name = {}, {}
        for contact in db.session.scalars(select(PressContact)):
            self.add(contact)

    def add(self, contact):
        for email in contact.emails:
            self.by_email.setdefault(email, contact)
        name = service.name_key(contact)
        if name:
            for outlet in contact.outlets or [""]:
                self.by_name.setdefault((name, service.fold(outlet)), contact)

    def find(self, values):
        for email in values["emails"]:
            if email in self.by_email:
                return self.by_email[email]
        name = service.name_key(values)
        if name:
            for outlet in values["outlets"] or [""]:
                found = self.by_name.get((name, service.fold(outlet)))
                if found is not None:
                    return found
        return None


def _problem(job, number, code):
    job.skipped += code != "bad_email"
    if len(job.problems) < MAX_PROBLEMS:
        job.problems = [*job.problems, [number, code]]


def run(job):
    """Import every row of an uploaded file under its mapping, committing progress as it goes."""
    job.state, job.processed, job.created, job.merged, job.skipped, job.problems = "running", 0, 0, 0, 0, []
    source = service.fold(job.filename)[:150]
    db.commit()
    index = Index()
    rows = read_rows(job.file_kind, job.content)
    next(rows, None)  # the header
    data_rows = [row for row in rows if any(row)]
    job.total = len(data_rows)
    db.commit()
    for number, row in enumerate(data_rows, 2):
        values, problems = row_values(row, job.mapping)
        if not (service.name_key(values) or values["emails"]):
            _problem(job, number, "no_name")
        else:
            for code in problems:  # imported all the same, with what was left out
                _problem(job, number, code)
            values.setdefault("data_source", f"import {job.filename}"[:200] if source else "import")
            existing = index.find(values)
            if existing is not None:
                service.merge_into(existing, values)
                index.add(existing)
                job.merged += 1
            else:
                contact = service.new_contact(values)
                db.session.add(contact)
                index.add(contact)
                job.created += 1
        job.processed += 1
        if job.processed % PROGRESS_EVERY == 0:
            db.session.flush()
            db.commit()
    job.state, job.finished_at, job.content = "done", utcnow(), None


# -- the uploaded file, kept until its import runs -------------------------------------------------------------

def keep_import(filename, kind, content, header, mapping, user_id):
    """Keep an uploaded file until its import runs: its columns and the guessed mapping."""
    job = ContactImport(filename=filename, file_kind=kind, content=content, headers=header, mapping=mapping,
                        created_by_id=user_id)
    db.session.add(job)
    db.session.flush()
    return job


def queue_import(job, mapping):
    """Record the mapping chosen; the import waits for its job."""
    job.mapping, job.state = mapping, "queued"


def recent_imports(limit=10):
    """The agency's last imports, newest first."""
    return db.session.scalars(select(ContactImport).order_by(ContactImport.created_at.desc(),
                                                             ContactImport.id.desc()).limit(limit)).all()
