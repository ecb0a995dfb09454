"""The words shown for the stored codes of press contacts (types, outlet types, lawful bases), in the reader's language."""
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext


def kind_labels():
    """Contact types."""
    return {"journalist": _l("Journalist"), "editor": _l("Editor"), "influencer": _l("Influencer"),
            "blogger": _l("Blogger"), "other": pgettext("contact type", "Other")}


def type_labels():
    """Outlet types."""
    return {"national": _l("National press"), "regional": _l("Regional press"), "trade": _l("Trade press"),
            "international": _l("International"), "web": _l("Online media"), "broadcast": _l("TV and radio"),
            "blog": _l("Blog")}


def basis_labels():
    """GDPR lawful bases."""
    return {"legitimate_interest": _l("Legitimate interest"), "consent": _l("Consent"), "contract": _l("Contract")}


def recipient_labels():
    """A send recipient's delivery statuses (the same words as the send page)."""
    return {"queued": _l("Queued"), "sending": _l("Sending"), "sent": pgettext("recipient", "Sent"),
            "failed": _l("Failed"), "bounced": _l("Bounced"), "unknown": _l("Unknown (check by hand)"),
            "unsubscribed": _l("Unsubscribed"), "do_not_contact": _l("Do not contact")}


def channel_labels():
    """How a contact replied."""
    return {"email": _l("Email"), "phone": _l("Phone"), "social": _l("Social network"),
            "meeting": _l("Meeting"), "other": pgettext("reply channel", "Other")}


def outcome_labels():
    """What a contact's reply means for the agency."""
    return {"interested": _l("Interested"), "interview": _l("Asks for an interview"),
            "more_info": _l("Asks for more information"), "declined": _l("Not interested"),
            "other": pgettext("reply outcome", "Other")}
