"""Documents as PDF (dashboards, reports, press reviews): a print layout laid out by WeasyPrint (pango on the system)."""
import os

from flask import current_app


def print_stylesheet(name="dashboard-print.css"):
    """A print layout's CSS (static/css/<name>), given to the template inline (WeasyPrint fetches nothing)."""
    path = os.path.join(current_app.static_folder, "css", name)
    with open(path, encoding="utf-8") as stylesheet:
        return stylesheet.read()


def html_to_pdf(html):
    """Lay out an HTML document as PDF bytes. Only data: URIs are read (the agency's logo, saas.auth.logo.data_uri):
    a link, a file or a web address in the document is never fetched."""
    from weasyprint import HTML  # late: loading pango costs about a second, only PDFs pay it
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=("data",), allow_redirects=False)
    return HTML(string=html, base_url=current_app.static_folder, url_fetcher=fetcher).write_pdf()
