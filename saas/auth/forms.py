"""Account and agency forms (WTForms): signup, login, password reset, account, a new agency, joining one.

What each form checks against the database or the account (a slug taken, the current password) is a
validator too; the views keep what is not a field's rule (rate limits, "wrong email or password").
"""
from flask_babel import lazy_gettext as _l
from wtforms import Form, StringField
from wtforms.validators import StopValidation

from saas.auth import service
from saas.forms import Email, Language, Text, email_filter, strip
from saas.passwords import password_problems, verify_password
from saas.validation import slug_problem, slugify


def _typed(value):
    """A filter: a missing field reads as the empty text (a password is never trimmed)."""
    return value or ""


def _new_password(form, field):
    """The password policy, checked against the account's email and name (`form.identity()`)."""
    problems = password_problems(field.data, *form.identity())
    if problems:
        raise StopValidation(" ".join(map(str, problems)))


def _free_slug(form, field):
    if not form.agency_name.data:
        return  # the name's message is enough
    problem = slug_problem(field.data)
    if problem:
        raise StopValidation(problem)
    if service.slug_taken(field.data):
        raise StopValidation(_l("This address is already taken: choose another one."))


class AgencyForm(Form):
    """A new agency: its name and the address of its workspace (derived from the name when left empty)."""

    agency_name = StringField(filters=[strip], validators=[Text(_l("Agency name"), 120)])
    agency_slug = StringField(filters=[lambda value: strip(value).lower()], validators=[_free_slug])

    def __init__(self, formdata, **kwargs):
        super().__init__(formdata, **kwargs)
        self.agency_slug.data = self.agency_slug.data or slugify(self.agency_name.data)


class SignupForm(AgencyForm):
    """A new agency and its owner's account."""

    name = StringField(filters=[strip], validators=[Text(_l("Your name"), 120)])
    email = StringField(filters=[email_filter], validators=[Email()])
    password = StringField(filters=[_typed], validators=[_new_password])

    def identity(self):
        return self.email.data, self.name.data


class LoginForm(Form):
    """Email and password (checked together by the view: the answer never says which was wrong)."""

    email = StringField(filters=[email_filter])
    password = StringField(filters=[_typed])
    remember = StringField(filters=[bool])
    next = StringField(filters=[_typed])


class ForgotPasswordForm(Form):
    """The address a password-reset link goes to."""

    email = StringField(filters=[email_filter], validators=[Email()])


class _OfAccount(Form):
    """A form about an existing account, given as the `user` keyword argument."""

    def __init__(self, formdata, user, **kwargs):
        self.user = user
        super().__init__(formdata, **kwargs)

    def identity(self):
        return self.user.email, self.user.name


class NewPasswordForm(_OfAccount):
    """A new password chosen from a reset link."""

    password = StringField(filters=[_typed], validators=[_new_password])


def _current_password(form, field):
    if not verify_password(form.user.password_hash, field.data):
        raise StopValidation(_l("Your current password is not right."))


class PasswordChangeForm(_OfAccount):
    """A new password chosen on the account page, with the current one."""

    current_password = StringField(filters=[_typed], validators=[_current_password])
    new_password = StringField(filters=[_typed], validators=[_new_password])


def _another_address(form, field):
    from saas.auth.service import find_user_by_email

    if field.data == form.user.email:
        raise StopValidation(_l("This is already your address."))
    if find_user_by_email(field.data) is not None:
        raise StopValidation(_l("Another Relais account uses this address."))


class EmailChangeForm(_OfAccount):
    """A new address for one's account, with the current password (the change waits for the new address's link)."""

    new_email = StringField(filters=[email_filter], validators=[Email(), _another_address])
    email_password = StringField(filters=[_typed], validators=[_current_password])


class ProfileForm(Form):
    """One's name and language."""

    name = StringField(filters=[strip], validators=[Text(_l("Your name"), 120)])
    locale = StringField(filters=[_typed], validators=[Language()])


class JoinForm(Form):
    """The account made from an invitation: a name and a password (the email is the invitation's)."""

    name = StringField(filters=[strip], validators=[Text(_l("Your name"), 120)])
    password = StringField(filters=[_typed], validators=[_new_password])

    def __init__(self, formdata, email, **kwargs):
        self.email = email
        super().__init__(formdata, **kwargs)

    def identity(self):
        return self.email, self.name.data


def _code(form, field):
    if not field.data or len(field.data) > 20:
        raise StopValidation(_l("Type the 6-digit code your app shows, or a recovery code."))


class TwoFactorCodeForm(Form):
    """A code from the authenticator app (or a recovery code, at sign-in)."""

    code = StringField(filters=[strip], validators=[_code])


class PasswordConfirmForm(_OfAccount):
    """The current password, asked again before a change that weakens the account."""

    current_password = StringField(filters=[_typed], validators=[_current_password])


class AgencyTwoFactorForm(Form):
    """Whether every staff member of the agency must sign in with a second factor."""

    require = StringField(filters=[bool])
