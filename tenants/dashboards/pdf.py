"""A dashboard as PDF: the page's own partials in a print layout, laid out by WeasyPrint (pango on the system)."""
import os

from flask import current_app


def print_stylesheet(name="dashboard-print.css"):
    """A print layout's CSS (static/css/<name>), given to the template inline (WeasyPrint fetches nothing)."""
    path = os.path.join(current_app.static_folder, "css", name)
    with open(path, encoding="utf-8") as stylesheet:
        return stylesheet.read()


def html_to_pdf(html):
    """Lay out an HTML document as PDF bytes."""
    from weasyprint import HTML  # late: loading pango costs about a second, only PDFs pay it

    return HTML(string=html, base_url=current_app.static_folder).write_pdf()
