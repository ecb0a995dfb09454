"""The French catalogue is complete, consistent with the code, and used by the pages.

When a test here fails after you added a string: run `make extract-messages`, translate the
new entries in translations/fr/LC_MESSAGES/messages.po, then `make translations`.
"""
import os
import re

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PO_PATH = os.path.join(ROOT, "translations", "fr", "LC_MESSAGES", "messages.po")
MO_PATH = os.path.join(ROOT, "translations", "fr", "LC_MESSAGES", "messages.mo")
# What `make extract-messages` looks for: Babel's defaults (_, gettext, ngettext, N_, pgettext...) plus -k _l,
# and lazy_gettext for code that imports it under its own name.
KEYWORDS = {**DEFAULT_KEYWORDS, "_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
SOURCE_DIRS = ("templates", "saas", "tenants")
# printf-style placeholders: %(name)s, %(n)d, ... (a literal "%%" is not one)
PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def _load_catalog():
    with open(PO_PATH, "rb") as handle:
        return read_po(handle, locale="fr")


@pytest.fixture(scope="module")
def catalog():
    return _load_catalog()


def _context(context):
    return context.decode() if isinstance(context, bytes) else context


def _entries(catalog):
    return [message for message in catalog if message.id]


def _placeholders(text):
    return sorted(PLACEHOLDER.findall(text))


def _as_tuple(string):
    """A msgstr as a tuple of its forms (read_mo gives lists where read_po gives tuples)."""
    return tuple(string) if isinstance(string, (list, tuple)) else (string,)


def _label(message_id):
    return message_id[0] if isinstance(message_id, (tuple, list)) else message_id


def _extracted_messages():
    """Every translatable string in the code, as `pybabel extract -F babel.cfg` finds it."""
    with open(os.path.join(ROOT, "babel.cfg"), encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = {}
    for directory in SOURCE_DIRS:
        # babel.cfg's patterns are relative to the project root; re-root them on this directory.
        prefix = directory + "/"
        dir_map = [(pattern[len(prefix):], method) for pattern, method in method_map if pattern.startswith(prefix)]
        dir_options = {pattern[len(prefix):]: options for pattern, options in options_map.items()
                       if pattern.startswith(prefix)}
        assert dir_map, f"babel.cfg has no pattern for {directory}/"
        for filename, lineno, message, _comments, context in extract_from_dir(
            os.path.join(ROOT, directory), method_map=dir_map, options_map=dir_options, keywords=KEYWORDS,
        ):
            if not message or (isinstance(message, tuple) and not message[0]):
                continue  # e.g. _(variable): nothing literal to translate
            found.setdefault((message, context), f"{directory}/{filename}:{lineno}")
    return found


def test_catalogue_has_every_message_translated_and_none_fuzzy(catalog):
    entries = _entries(catalog)
    assert len(entries) > 100  # the real catalogue, not an empty file
    untranslated = [_label(m.id) for m in entries
                    if not (all(m.string) if isinstance(m.string, tuple) else m.string)]
    fuzzy = [_label(m.id) for m in entries if m.fuzzy]
    assert not untranslated, "Messages without a French translation:\n" + "\n".join(untranslated)
    assert not fuzzy, "Fuzzy French translations to review:\n" + "\n".join(fuzzy)


def test_plural_entries_have_every_french_form(catalog):
    assert catalog.num_plurals == 2
    for message in _entries(catalog):
        if message.pluralizable:
            assert isinstance(message.string, tuple) and len(message.string) == 2 and all(message.string), message.id


def test_placeholders_match_between_english_and_french(catalog):
    mismatches = []
    for message in _entries(catalog):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = _placeholders(ids[-1])  # the plural msgid carries every placeholder
        if any(_placeholders(one) != expected for one in ids):
            expected = sorted(set().union(*map(_placeholders, ids)))
        for string in strings:
            if _placeholders(string) != expected:
                mismatches.append(f"{_label(message.id)!r}: {expected} -> {string!r}")
    assert not mismatches, "Placeholders differ between msgid and msgstr:\n" + "\n".join(mismatches)


def test_every_string_in_the_code_is_translated_into_french(catalog):
    extracted = _extracted_messages()
    assert len(extracted) > 100  # the extractor did see the templates and the Python code
    missing = []
    for (message, context), where in sorted(extracted.items(), key=lambda item: item[1]):
        key = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(key, context=context)
        strings = entry.string if entry is not None and isinstance(entry.string, tuple) else (
            (entry.string,) if entry is not None else ())
        if entry is None or entry.fuzzy or not strings or not all(strings):
            missing.append(f"{where}: {key!r}")
    assert not missing, (
        "Strings in the code without a French translation (run `make extract-messages`, translate them in "
        "translations/fr/LC_MESSAGES/messages.po, then `make translations`):\n" + "\n".join(missing)
    )


def test_compiled_catalogue_is_up_to_date(catalog):
    assert os.path.exists(MO_PATH), "translations/fr/LC_MESSAGES/messages.mo is missing: run `make translations`"
    with open(MO_PATH, "rb") as handle:
        compiled = read_mo(handle)
    # Keyed by message and context ("Open" the verb, "Open" the crisis status); read_mo leaves contexts as bytes.
    strings = {(_context(m.context), _label(m.id)): m.string for m in compiled if m.id}
    stale = []
    for message in _entries(catalog):
        string = strings.get((_context(message.context), _label(message.id)))
        if string is None or _as_tuple(string) != _as_tuple(message.string):
            stale.append(_label(message.id))
    assert not stale, "messages.mo is older than messages.po (run `make translations`):\n" + "\n".join(stale)


def test_login_page_is_in_french_for_a_french_browser(client):
    response = client.get("/login", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="fr">' in page
    assert "Se connecter" in page
    assert "Mot de passe oublié ?" in page
    assert "Log in" not in page


def test_login_page_is_in_english_for_an_english_browser(client):
    response = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="en">' in page
    assert "Log in" in page
    assert "Se connecter" not in page
