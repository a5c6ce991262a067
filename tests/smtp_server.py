"""A real SMTP server for tests (aiosmtpd on 127.0.0.1), and one that accepts connections and never answers.

`Inbox` keeps what the server accepted (recipients and the parsed message). `pause_at_rcpt(n)` makes the
server hold the n-th RCPT command it receives (counting from the start, retries included) until
`release()`: a test then knows the worker is in the middle of an SMTP conversation, before the message
is handed over, and can kill or stop it there.
"""

import asyncio
import email
import socket
import threading
from email import policy

from aiosmtpd.controller import Controller


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages = []
        self.rcpt_count = 0
        self._pause_at = set()
        self.paused = threading.Event()
        self._released = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpt_count += 1
        if self.rcpt_count in self._pause_at:
            self._released.clear()
            self.paused.set()
            while not self._released.is_set():
                await asyncio.sleep(0.02)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def pause_at_rcpt(self, *counts):
        self._pause_at.update(counts)

    def wait_paused(self, timeout=60):
        assert self.paused.wait(timeout), "the worker never reached the paused SMTP command"
        self.paused.clear()

    def release(self):
        self._released.set()

    def text(self, index=-1):
        return self.messages[index][1].get_body(preferencelist=("plain",)).get_content()

    def message_ids(self):
        return [message["Message-ID"] for _, message in self.messages]


class SmtpServer:
    def __init__(self, port):
        self.port = port
        self._controllers = []

    def start(self) -> Inbox:
        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=self.port)
        controller.start()
        self._controllers.append((controller, inbox))
        return inbox

    def stop(self):
        for controller, inbox in self._controllers:
            inbox.release()
            controller.stop()
        self._controllers.clear()


class SilentServer:
    """Accepts TCP connections on `port` and never says a word (not even the SMTP greeting)."""

    def __init__(self, port):
        self._listener = socket.create_server(("127.0.0.1", port))
        self._accepted = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self._accepted.append(connection)

    def close(self):
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        except OSError:
            pass
        self._listener.close()
        for connection in self._accepted:
            connection.close()
