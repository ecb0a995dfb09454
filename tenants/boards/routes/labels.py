"""The agency's labels: list, create, rename or recolour, delete."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from saas.views import get_or_404
from tenants.boards import bp
from tenants.boards import labels as service
from tenants.boards.forms import clean_label_form
from tenants.boards.models import BoardLabel


def render_labels(values=None, errors=None, status=200, editing=None):
    """The labels page, with the new-label form (or an edit) filled in."""
    return render_template("boards/labels.html", labels=service.list_labels(), values=values or {}, errors=errors or {},
                           palette=service.PALETTE, colour_names=service.COLOUR_NAMES, editing=editing), status


@bp.get("/labels")
def labels():
    """The agency's labels."""
    return render_labels()


@bp.post("/labels")
def create_label():
    """Create a label."""
    values, errors = clean_label_form(request.form)
    if not errors and service.label_name_taken(values["name"]):
        errors["name"] = _l("A label with this name already exists.")
    if errors:
        return render_labels(request.form, errors, 422)
    service.create_label(values)
    flash(_("Label %(name)s created.", name=values["name"]), "success")
    return redirect(url_for("boards.labels"))


@bp.post("/labels/<int:label_id>")
def update_label(label_id):
    """Rename or recolour a label."""
    label = get_or_404(BoardLabel, label_id)
    values, errors = clean_label_form(request.form)
    if not errors and service.label_name_taken(values["name"], exclude_id=label.id):
        errors["name"] = _l("A label with this name already exists.")
    if errors:
        return render_labels(request.form, errors, 422, editing=label.id)
    service.update_label(label, values)
    flash(_("Label saved."), "success")
    return redirect(url_for("boards.labels"))


@bp.post("/labels/<int:label_id>/delete")
def delete_label(label_id):
    """Delete a label (cards simply lose it)."""
    label = get_or_404(BoardLabel, label_id)
    service.delete_label(label)
    flash(_("Label %(name)s deleted.", name=label.name), "success")
    return redirect(url_for("boards.labels"))
