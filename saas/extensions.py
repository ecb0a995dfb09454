"""Extension objects, created unbound and attached in create_app()."""
from functools import cached_property

from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()


class RelaisBabel(Babel):
    """Flask-Babel whose messages elide French articles before the names put into them (saas/i18n.py)."""

    @cached_property
    def domain_instance(self):
        from saas.i18n import ElidingDomain

        return ElidingDomain(domain=self.domain)


babel = RelaisBabel()
