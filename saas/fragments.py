"""Fragments rendered once per distinct content, then kept in memory: card tiles, inbox rows.

A board draws hundreds of tiles and the inbox fifty rows on every visit, and few of them change in
between. A fragment is a pure function of its key: the caller's key holds everything the template
shows of the item, and `render` adds what the reader brings (language, the agency's time zone, the
agency, whose URLs the fragment holds). Keys never mix agencies: the agency's id is in every key.

The template is rendered without Flask's request context variables (no `request`, `g`, `session`):
it reads only what `context(item)` passes. What belongs to one request is written as a mark and put
in afterwards: the CSRF token (`csrf_token()`) and the page's own address (`next_path`).
"""
from flask import current_app, g, request
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from saas.i18n import agency_zone

CSRF_MARK = "relais-csrf-mark-6c1f0e2a"
NEXT_MARK = "relais-next-mark-6c1f0e2a"


def _csrf_mark():
    return CSRF_MARK


class Fragments:
    """The kept renderings of one template (at most `size`, then it starts over)."""

    def __init__(self, template_name, size=20_000):
        self.template_name, self.size, self._kept = template_name, size, {}

    def render(self, items, key, context):
        """The fragments of `items`, joined: `key(item)` is all the template shows, `context(item)` what it reads."""
        agency = g.get("agency")
        reader = (str(get_locale()), agency_zone().key, request.script_root,
                  None if agency is None else (agency.id, agency.slug))
        template, html = None, []
        for item in items:
            item_key = (reader, key(item))
            found = self._kept.get(item_key)
            if found is None:
                if template is None:
                    template = current_app.jinja_env.get_template(self.template_name)
                found = template.render(**context(item), csrf_token=_csrf_mark, next_path=NEXT_MARK)
                if len(self._kept) >= self.size:
                    self._kept.clear()
                self._kept[item_key] = found
            html.append(found)
        page = "".join(html)
        if CSRF_MARK in page:
            page = page.replace(CSRF_MARK, str(escape(generate_csrf())))
        if NEXT_MARK in page:
            page = page.replace(NEXT_MARK, str(escape(request.full_path if request.method == "GET" else "")))
        return Markup(page)

    def clear(self):
        """Forget every kept rendering (tests)."""
        self._kept.clear()
