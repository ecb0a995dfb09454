"""Press contacts and media lists: list with search and filters, create, edit, GDPR rights, exports."""
import json

from flask import Response, flash, g, redirect, render_template, request, send_file, stream_with_context, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from saas import db, exports, params, tenancy
from saas.audit import service as audit_trail
from saas.errors import render_error
from saas.domain import NotFound
from saas.forms import read
from saas.i18n import agency_zone, local_now, local_today
from saas.views import get_all_or_404, get_or_404
from tenants.clients.service import list_clients
from tenants.monitoring import catalogue
from tenants.press import bp, coverage, forms, replies, service
from tenants.press.models import (KINDS, LAWFUL_BASES, OUTLET_TYPES, REPLY_CHANNELS, REPLY_OUTCOMES, MediaList,
                                  PressContact, PressRelease, PressReply)
from tenants.press.labels import (basis_labels, channel_labels, kind_labels, outcome_labels, recipient_labels,
                                  type_labels)

CONTACT_PAGE = "press/contact.html"


def _filters(source=None):
    """The contact filters of the query string (400 on a malformed value)."""
    return {"beat": params.text_arg("beat", 80, source=source), "region": params.text_arg("region", 120, source=source),
            "outlet_type": params.choice_arg("outlet_type", OUTLET_TYPES, source=source),
            "language": params.text_arg("lang", 3, source=source)}


def _choices():
    return {"kinds": KINDS, "outlet_types": OUTLET_TYPES, "bases": LAWFUL_BASES, "kind_labels": kind_labels(),
            "type_labels": type_labels(), "basis_labels": basis_labels()}


@bp.get("/")
def index():
    """The agency's press contacts: search, filters (beat, outlet type, region, language), pages of 50."""
    search, filters = params.text_arg("q", 200) or "", _filters()
    contacts, total, pages = service.page_of(service.filtered(search, filters), params.int_arg("page", 1, 100_000, 1))
    args = {key: value for key, value in {"q": search, "beat": filters["beat"], "region": filters["region"],
                                          "outlet_type": filters["outlet_type"], "lang": filters["language"]}.items()
            if value}
    return render_template("press/index.html", contacts=contacts, total=total, pages=pages,
                           page=min(params.int_arg("page", 1, 100_000, 1), pages), q=search, filters=filters,
                           args=args, options=service.filter_choices(), **_choices())


def _form_page(values, errors=None, contact=None, status=200, reply_values=None, reply_errors=None):
    context = {"values": values, "errors": errors or {}, "contact": contact, "clients": list_clients(),
               "networks": forms.SOCIAL_NETWORKS, "outlet_names": [outlet["name"] for outlet in catalogue.outlets()],
               **_choices()}
    if contact is not None:
        received, authored = coverage.contact_history(contact)
        context.update(linked=service.contact_clients(contact), lists=service.lists_of(contact),
                       all_lists=service.all_lists(), received=received, authored=authored,
                       recipient_labels=recipient_labels(), replies=replies.of_contact(contact),
                       reply=reply_values or {"received_at": local_now().strftime("%Y-%m-%dT%H:%M")},
                       reply_errors=reply_errors or {}, channel_labels=channel_labels(),
                       outcome_labels=outcome_labels(), channels=REPLY_CHANNELS, outcomes=REPLY_OUTCOMES)
    return render_template(CONTACT_PAGE, **context), status


def _typed(values):
    """A contact's values as the form shows them (lists one per line)."""
    shown = dict(values)
    for key in service.LIST_FIELDS:
        if isinstance(shown.get(key), list):
            shown[key] = ", ".join(shown[key])
    return shown


@bp.get("/contacts/new")
def new_contact():
    """The form of a new contact."""
    return _form_page({"kind": "journalist", "lawful_basis": "legitimate_interest"})


def _read_contact(contact=None):
    values, errors = read(forms.ContactForm, request.form, client_ids=[c.id for c in list_clients()])
    for email in values["emails"] if "emails" not in errors else ():
        owner = service.email_owner(email, exclude_id=contact.id if contact else None)
        if owner is not None:
            errors["emails"] = _("%(email)s is already the address of %(name)s.", email=email, name=owner.name or email)
            break
    values["social_handles"] = forms.handles(values)
    return values, errors


@bp.post("/contacts/")
def create_contact():
    """Create a contact; errors come back with what was typed (422)."""
    values, errors = _read_contact()
    if errors:
        return _form_page(request.form, errors, status=422)
    contact = service.create_contact(values, values["client_ids"])
    flash(_("Contact %(name)s added.", name=contact.name or contact.email), "success")
    return redirect(url_for("press.contact", contact_id=contact.id))


@bp.get("/contacts/<int:contact_id>")
def contact(contact_id):
    """A contact's page: what the agency knows, its GDPR record, the edit form."""
    found = get_or_404(PressContact, contact_id)
    return _form_page(_typed(_contact_values(found)), contact=found)


def _contact_values(found):
    values = {key: getattr(found, key) for key in (*service.TEXT_FIELDS, *service.LIST_FIELDS)}
    values.update({f"handle_{network}": handle for network, handle in (found.social_handles or {}).items()})
    values["client_ids"] = [client.id for client in service.contact_clients(found)]
    return values


@bp.post("/contacts/<int:contact_id>")
def update_contact(contact_id):
    """Save a contact's edits."""
    found = get_or_404(PressContact, contact_id)
    values, errors = _read_contact(found)
    if errors:
        return _form_page(request.form, errors, contact=found, status=422)
    service.update_contact(found, values, values["client_ids"])
    flash(_("Contact saved."), "success")
    return redirect(url_for("press.contact", contact_id=found.id))


@bp.post("/contacts/<int:contact_id>/do-not-contact")
def do_not_contact(contact_id):
    """Mark a contact "do not contact" (every send leaves them out), or lift the mark."""
    found = get_or_404(PressContact, contact_id)
    flag = params.choice_arg("flag", ("0", "1"), "1", source=request.form) == "1"
    service.set_do_not_contact(found, flag)
    flash(_("%(name)s will not be contacted.", name=found.name) if flag else
          _("%(name)s may be contacted again.", name=found.name), "success")
    return redirect(url_for("press.contact", contact_id=found.id))


@bp.post("/contacts/<int:contact_id>/lists")
def add_to_list(contact_id):
    """Add a contact to a media list by hand, from the contact's page."""
    found = get_or_404(PressContact, contact_id)
    list_id = params.id_arg("list_id", source=request.form)
    if list_id is None:
        raise params.BadParameter("list_id", _("Choose a media list."))
    media_list = get_or_404(MediaList, list_id)
    service.add_members(media_list, [found])
    flash(_("%(name)s added to “%(list)s”.", name=found.name or found.email, list=media_list.name), "success")
    return redirect(url_for("press.contact", contact_id=found.id))


@bp.post("/contacts/<int:contact_id>/replies")
def log_reply(contact_id):
    """Log a contact's reply (when, how, what it means, about which release, a note)."""
    found = get_or_404(PressContact, contact_id)
    values, errors = read(forms.ReplyForm, request.form)
    release_id = params.id_arg("release_id", source=request.form)
    release = get_or_404(PressRelease, release_id) if release_id is not None else None
    if errors:
        return _form_page(_typed(_contact_values(found)), contact=found, status=422,
                          reply_values=request.form, reply_errors=errors)
    replies.log_reply(found, values, release)
    flash(_("Reply of %(name)s logged.", name=found.name or found.email), "success")
    return redirect(url_for("press.contact", contact_id=found.id, _anchor="contact-replies"))


@bp.post("/contacts/<int:contact_id>/replies/<int:reply_id>/delete")
def delete_reply(contact_id, reply_id):
    """Delete a reply logged by mistake."""
    found = get_or_404(PressContact, contact_id)
    reply = get_or_404(PressReply, reply_id)
    if reply.contact_id != found.id:
        raise NotFound()
    replies.remove(reply)
    flash(_("Reply deleted."), "success")
    return redirect(url_for("press.contact", contact_id=found.id, _anchor="contact-replies"))


@bp.get("/contacts/<int:contact_id>/data.json")
def contact_data(contact_id):
    """Everything held on a contact, as JSON (a data subject's access request); logged."""
    found = get_or_404(PressContact, contact_id)
    audit_trail.record("press_contact_exported", f"#{found.id}")
    body = json.dumps(service.subject_data(found), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="contact-{found.id}.json"'})


@bp.post("/contacts/<int:contact_id>/delete")
def delete_contact(contact_id):
    """Erase a contact for good (a data subject's erasure request); logged without the person's name."""
    found = get_or_404(PressContact, contact_id)
    service.erase_contact(found)
    flash(_("The contact and everything held on them were erased."), "success")
    return redirect(url_for("press.index"))


def _export_header():
    return [_("First name"), _("Last name"), _("Contact type"), _("Role"), _("Outlets"), _("Outlet type"), _("Beats"),
            _("Languages"), _("Email addresses"), _("Phone numbers"), _("City"), _("Region"), _("Notes"),
            _("Lawful basis"), _("Source of the data"), _("Do not contact"), _("Updated")]


def _export_rows(query, words):
    for c in db.session.scalars(query.execution_options(yield_per=500)):
        yield [c.first_name, c.last_name, words["kind"].get(c.kind, c.kind), c.role, ", ".join(c.outlets),
               words["type"].get(c.outlet_type, c.outlet_type), ", ".join(c.beats), ", ".join(c.languages),
               ", ".join(c.emails), ", ".join(c.phones), c.city, c.region, c.notes,
               words["basis"].get(c.lawful_basis, c.lawful_basis), c.data_source,
               _("Yes") if c.do_not_contact else "", c.updated_at]


def _export_words():
    return {"kind": {k: str(v) for k, v in kind_labels().items()}, "type": {k: str(v) for k, v in type_labels().items()},
            "basis": {k: str(v) for k, v in basis_labels().items()}}


def _filename(extension):
    name = _("press-contacts")
    return f"{name}-{local_today().isoformat()}.{extension}"


@bp.get("/contacts/export.csv")
def export_csv():
    """The contacts the search and filters show, as CSV for the reader's Excel (logged)."""
    search, filters = params.text_arg("q", 200) or "", _filters()
    layout, header, words, agency_id = exports.layout_for(get_locale(), agency_zone()), _export_header(), \
        _export_words(), g.agency.id
    audit_trail.record("press_contacts_exported", "CSV")

    def chunks():
        with tenancy.agency_scope(agency_id):  # the body is produced after the view returns
            yield from exports.csv_chunks(header, _export_rows(service.filtered(search, filters), words), layout)

    return Response(stream_with_context(chunks()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{_filename("csv")}"'})


@bp.get("/contacts/export.xlsx")
def export_xlsx():
    """The contacts the search and filters show, as an Excel workbook (logged)."""
    search, filters = params.text_arg("q", 200) or "", _filters()
    layout = exports.layout_for(get_locale(), agency_zone())
    try:
        workbook = exports.xlsx_file(_export_header(), _export_rows(service.filtered(search, filters), _export_words()),
                                     layout, _("Press contacts"))
    except exports.TooManyRows:
        return render_error(400, _("Too many contacts for one spreadsheet: narrow the filters, or export as CSV."))
    audit_trail.record("press_contacts_exported", "XLSX")
    return send_file(workbook, mimetype=exports.XLSX_MIMETYPE, as_attachment=True, download_name=_filename("xlsx"))


# -- media lists ----------------------------------------------------------------------------------------------

def _lists_page(values=None, errors=None, status=200):
    lists = service.all_lists()
    clients = list_clients()
    return render_template("press/lists.html", lists=lists, counts=service.member_counts(lists), clients=clients,
                           client_names={c.id: c.name for c in clients}, values=values or {}, errors=errors or {},
                           options=service.filter_choices(), **_choices()), status


def _read_list():
    values, errors = read(forms.MediaListForm, request.form, client_ids=[c.id for c in list_clients()])
    if "client_id" not in errors and len(values["client_id"]) > 1:
        errors["client_id"] = _("Choose one client at most.")
    return values, errors


def _list_values(values):
    return {"name": values["name"], "campaign": values["campaign"],
            "client_id": values["client_id"][0] if values["client_id"] else None,
            "filters": service.list_filters(values)}


@bp.get("/lists/")
def lists():
    """The agency's media lists with their member counts, and the form of a new one."""
    return _lists_page()


@bp.post("/lists/")
def create_list():
    """Create a media list (by hand, by saved filters, or both)."""
    values, errors = _read_list()
    if errors:
        return _lists_page(request.form, errors, 422)
    media_list = service.create_list(_list_values(values))
    flash(_("Media list “%(name)s” created.", name=media_list.name), "success")
    return redirect(url_for("press.media_list", list_id=media_list.id))


def _list_page(media_list, values=None, errors=None, status=200):
    search = params.text_arg("q", 200) or ""
    members, excluded = service.members(media_list)
    hand = service.hand_added_ids(media_list)
    found = service.page_of(service.filtered(search), 1, 20)[0] if search else []
    shown = values or {"name": media_list.name, "campaign": media_list.campaign,
                       "client_id": str(media_list.client_id or ""), **media_list.filters}
    clients = list_clients()
    return render_template("press/list.html", media_list=media_list, members=members, excluded=excluded, hand=hand,
                           found=found, q=search, values=shown, errors=errors or {}, clients=clients,
                           client_names={c.id: c.name for c in clients}, options=service.filter_choices(),
                           sendable=len(service.sendable_members(media_list)), **_choices()), status


@bp.get("/lists/<int:list_id>")
def media_list(list_id):
    """A media list: its members (those who asked not to be contacted shown apart), filters, adding by hand."""
    return _list_page(get_or_404(MediaList, list_id))


@bp.post("/lists/<int:list_id>")
def update_list(list_id):
    """Save a media list's name, client or campaign, and saved filters."""
    found = get_or_404(MediaList, list_id)
    values, errors = _read_list()
    if errors:
        return _list_page(found, request.form, errors, 422)
    service.update_list(found, _list_values(values))
    flash(_("Media list saved."), "success")
    return redirect(url_for("press.media_list", list_id=found.id))


@bp.post("/lists/<int:list_id>/members")
def add_members(list_id):
    """Add contacts to a list by hand."""
    found = get_or_404(MediaList, list_id)
    contacts = get_all_or_404(PressContact, params.ids_arg("ids", source=request.form))
    service.add_members(found, contacts)
    flash(_("Added to the list."), "success")
    return redirect(url_for("press.media_list", list_id=found.id))


@bp.post("/lists/<int:list_id>/members/<int:contact_id>/remove")
def remove_member(list_id, contact_id):
    """Take a contact added by hand off a list (the contact stays)."""
    found = get_or_404(MediaList, list_id)
    service.remove_member(found, get_or_404(PressContact, contact_id))
    flash(_("Taken off the list."), "success")
    return redirect(url_for("press.media_list", list_id=found.id))


@bp.post("/lists/<int:list_id>/delete")
def delete_list(list_id):
    """Delete a media list (its contacts stay)."""
    found = get_or_404(MediaList, list_id)
    name = found.name
    service.delete_list(found)
    flash(_("Media list “%(name)s” deleted.", name=name), "success")
    return redirect(url_for("press.lists"))
