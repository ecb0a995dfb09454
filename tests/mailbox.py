"""A real local SMTP server (aiosmtpd) that keeps what it receives."""
import email
import socket
from email import policy

from aiosmtpd.controller import Controller


class _Keep:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


class Mailbox:
    """Start an SMTP server on a free port; `messages` holds the received mail."""

    def __init__(self):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self._handler = _Keep()
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self):
        """The messages received so far."""
        return self._handler.messages

    def start(self):
        self._controller.start()
        return self

    def stop(self):
        self._controller.stop()


def text_of(message):
    """The plain-text body of a received message."""
    return message.get_body(preferencelist=("plain",)).get_content()
