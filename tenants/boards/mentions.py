"""@mentions in comments: a member is named by their email handle, full email, or name."""
import re
import unicodedata
from collections import defaultdict

MENTION_RE = re.compile(r"(?<![\w@])@([\w.+-]+(?:@[\w-]+(?:\.[\w-]+)+)?)")


def _plain(text):
    """Lower-case ASCII form of a name or handle (accents and spaces dropped)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9.+_@-]", "", ascii_text.lower())


def member_handle(membership):
    """The short handle of a member: the part of their email before the @."""
    return membership.user.email.split("@", 1)[0].lower()


def member_handles(members):
    """Map every handle to the members it names, by id (a first name shared by two names nobody)."""
    names = defaultdict(dict)
    for m in members:
        for handle in (member_handle(m), m.user.email.lower(), _plain(m.user.name)):
            names[handle][m.id] = m
    first_names = defaultdict(dict)
    for m in members:
        first_names[_plain(m.user.name.split(" ")[0])][m.id] = m
    for handle, people in first_names.items():
        if len(people) == 1:
            names[handle].update(people)
    return names


def mentioned_members(text, members):
    """The members named with @handle in a text (guests are never mentioned)."""
    handles = member_handles([m for m in members if m.role != "guest"])
    found = {}
    for token in MENTION_RE.findall(text or ""):
        found.update(handles.get(_plain(token.rstrip(".-")), {}))
    return list(found.values())
