"""Outbound mail: one sender, used by jobs; without SMTP configured, mail goes to the log."""
import logging
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale

log = logging.getLogger("relais.mail")
# How mail jobs retry a failing SMTP server: 3 more tries, after 10 s, 1 min and 5 min.
MAIL_RETRY = (3, (10, 60, 300))


def absolute_url(endpoint, **values):
    """Build an absolute link to `endpoint` from BASE_URL (no request needed)."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, url_scheme=base.scheme or "http", script_name=base.path or "/")
    return adapter.build(endpoint, values, force_external=True)


def render_mail(template, locale, **context):
    """Render a mail's subject, text and HTML in the recipient's language."""
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = render_template(f"mail/{template}.subject.txt", **context).strip()
        body = render_template(f"mail/{template}.txt", **context)
        html = render_template(f"mail/{template}.html", **context)
    return subject, body, html


def send_mail(to, subject, body, html=None, headers=None, attachments=()):
    """Send one message through SMTP, or write it to the log when no server is set.

    `headers` are added; `attachments` are (file name, bytes, MIME type).
    """
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Message-ID"] = make_msgid(domain="relais")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html:
        message.add_alternative(html, subtype="html")
    for filename, content, mimetype in attachments:
        maintype, subtype = mimetype.split("/", 1)
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    if not config["MAIL_SERVER"]:
        log.warning("MAIL_SERVER is not set; mail to %s not sent:\nSubject: %s\n\n%s", to, subject, body)
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
