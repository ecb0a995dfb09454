"""The forms of data rights: deleting one's account, deleting the agency (both need the password)."""
from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import StopValidation

from saas.auth.forms import _current_password, _OfAccount, _typed


class AccountDeletionForm(_OfAccount):
    """The account page's last form: the current password confirms the deletion."""

    delete_password = StringField(filters=[_typed], validators=[_current_password])


def _agency_name(form, field):
    if field.data.strip() != form.agency.name:
        raise StopValidation(_l("Type the agency's name exactly as shown: %(name)s.", name=form.agency.name))


class AgencyDeletionForm(_OfAccount):
    """The team page's deletion of the agency: its name typed again, and the owner's password."""

    def __init__(self, formdata, user, agency, **kwargs):
        self.agency = agency
        super().__init__(formdata, user, **kwargs)

    confirm_agency_name = StringField(filters=[_typed], validators=[_agency_name])
    delete_password = StringField(filters=[_typed], validators=[_current_password])
