"""A real, throwaway Dovecot IMAP server for tests: no mock of imaplib.

`imap_server` (session-scoped) starts Debian's dovecot (package `dovecot-imapd`) in the
foreground with its own configuration in a temporary folder: nothing of /etc/dovecot is read.
It listens on 127.0.0.1 on two random free ports, IMAPS (implicit TLS, as in production) and
plain IMAP offering STARTTLS, with a certificate made for this run by `openssl`. One user in a
passwd-file, mail in Maildir under the temporary folder. Each pytest process (each xdist worker)
starts its own instance, so workers never share ports, folders or mail.

Use it from a test module with `from tests.submissions.imap_server import imap_server  # noqa: F401`.
"""

from __future__ import annotations

import contextlib
import grp
import imaplib
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from imapclient import imap_utf7

START_TIMEOUT = 15  # seconds; Dovecot is usually up in well under one
_FOLDER_RE = re.compile(rb'\((?P<flags>[^)]*)\) (?P<delimiter>"[^"]*"|NIL) (?P<name>.+)')


@dataclass
class ImapTestServer:
    host: str
    port: int  # IMAPS
    starttls_port: int  # plain IMAP; offers STARTTLS
    user: str
    password: str
    workdir: Path
    log_path: Path

    @property
    def ssl_context(self) -> ssl.SSLContext:
        """The certificate is self-signed for this run: tests (only tests) skip verification."""
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context

    def connect(self) -> imaplib.IMAP4_SSL:
        conn = imaplib.IMAP4_SSL(self.host, self.port, ssl_context=self.ssl_context, timeout=10)
        conn.login(self.user, self.password)
        return conn

    def deliver(self, raw: bytes, folder: str = "INBOX") -> None:
        """Put a message into a folder the way a mail server would (IMAP APPEND)."""
        with self._session() as conn:
            if folder != "INBOX":
                conn.create(_quote(folder))  # "already exists" is fine
            status, data = conn.append(_quote(folder), None, None, raw)
            assert status == "OK", f"APPEND to {folder} failed: {data!r}"

    def messages(self, folder: str = "INBOX") -> list[bytes]:
        """The raw messages in a folder (empty when the folder does not exist)."""
        with self._session() as conn:
            status, _ = conn.select(_quote(folder), readonly=True)
            if status != "OK":
                return []
            _, data = conn.uid("SEARCH", None, "ALL")
            found = []
            for uid in (data[0] or b"").split():
                _, fetched = conn.uid("FETCH", uid, "(BODY.PEEK[])")
                found += [item[1] for item in fetched if isinstance(item, tuple)]
            return found

    def folders(self) -> list[str]:
        with self._session() as conn:
            _, data = conn.list()
        names = []
        for line in data:
            match = _FOLDER_RE.match(line or b"")
            if match:
                names.append(imap_utf7.decode(match.group("name").strip(b'"')))
        return sorted(names)

    def reset(self) -> None:
        """Empty INBOX and delete every other folder: each test starts from a clean mailbox."""
        for folder in reversed(self.folders()):  # children before their parents
            if folder != "INBOX":
                with self._session() as conn:
                    conn.delete(_quote(folder))
        with self._session() as conn:
            conn.select("INBOX")
            _, data = conn.search(None, "ALL")
            if data[0]:
                conn.store("1:*", "+FLAGS.SILENT", r"(\Deleted)")
                conn.expunge()

    @contextlib.contextmanager
    def _session(self) -> Iterator[imaplib.IMAP4_SSL]:
        conn = self.connect()
        try:
            yield conn
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                conn.logout()


def _quote(folder: str) -> str:
    """A folder name as IMAP sends it: modified UTF-7 (RFC 3501 §5.1.3, so 받은편지함 too), quoted when unusual."""
    folder = imap_utf7.encode(folder).decode("ascii")
    return folder if re.fullmatch(r"[A-Za-z0-9_./-]+", folder) else '"' + folder.replace('"', '\\"') + '"'


@pytest.fixture(scope="session")
def imap_server() -> Iterator[ImapTestServer]:
    dovecot = shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.access(p, os.X_OK)), None)
    if dovecot is None:
        pytest.skip("dovecot is not installed (Debian: apt-get install dovecot-imapd)")
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed; it makes the IMAP server's test certificate")
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-dovecot-"))
    # When we are root, Dovecot drops to "nobody" for mail and login processes: they must be
    # able to walk into the folder (mkdtemp makes it 0700).
    workdir.chmod(0o755)
    process = None
    try:
        server, process = _start(dovecot, workdir)
        yield server
    finally:
        if process is not None:
            _stop(process)
        shutil.rmtree(workdir, ignore_errors=True)


def _start(dovecot: str, workdir: Path) -> tuple[ImapTestServer, subprocess.Popen]:
    _make_certificate(workdir)
    account = _account(workdir)
    log_path = workdir / "dovecot.log"
    for _attempt in range(5):  # another process may grab a port between our probe and Dovecot
        port, starttls_port = _free_ports(2)
        config = workdir / "dovecot.conf"
        config.write_text(_config(workdir, port=port, starttls_port=starttls_port, **account["dovecot"]))
        with open(workdir / "dovecot.out", "ab") as output:
            process = subprocess.Popen(
                [dovecot, "-F", "-c", str(config)],
                stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=_die_with_parent,
            )
        if _wait_for_ports(process, [port, starttls_port]):
            server = ImapTestServer("127.0.0.1", port, starttls_port, account["user"],
                                    account["password"], workdir, log_path)
            return server, process
        _stop(process)
        if "Address already in use" not in _read_logs(workdir):
            break
    raise RuntimeError(f"Dovecot did not start; its output:\n{_read_logs(workdir)}")


def _account(workdir: Path) -> dict:
    """One mail user in a passwd-file, owned by whoever the mail processes will run as."""
    if os.geteuid() == 0:
        # Dovecot refuses to give mail access to UID 0, and its default service users
        # (dovecot, dovenull) exist only where the Debian package created them.
        system = pwd.getpwnam("nobody")
    else:
        system = pwd.getpwuid(os.getuid())
    group = grp.getgrgid(system.pw_gid).gr_name
    user, password = "takedowns", secrets.token_urlsafe(16)
    home = workdir / "home" / user
    home.mkdir(parents=True)
    os.chown(home, system.pw_uid, system.pw_gid)
    passwd = workdir / "passwd"
    passwd.write_text(f"{user}:{{PLAIN}}{password}:{system.pw_uid}:{system.pw_gid}::{home}::\n")
    passwd.chmod(0o644)
    return {"user": user, "password": password,
            "dovecot": {"service_user": system.pw_name, "service_group": group}}


def _config(workdir: Path, *, port: int, starttls_port: int, service_user: str, service_group: str) -> str:
    # Not running as root, Dovecot cannot chroot or switch users: login processes run in place.
    chroot = "" if os.geteuid() == 0 else "\n  chroot ="
    return f"""\
# Written by tests/submissions/imap_server.py for one test run.
protocols = imap
listen = 127.0.0.1
base_dir = {workdir}/run
state_dir = {workdir}/state
log_path = {workdir}/dovecot.log
info_log_path = {workdir}/dovecot.log
default_internal_user = {service_user}
default_internal_group = {service_group}
default_login_user = {service_user}
disable_plaintext_auth = no
# A test logs in with a wrong password on purpose: no delay for it, and no penalty for the
# next login (the anvil socket closed below switches auth penalties off, as Dovecot documents).
auth_failure_delay = 0
auth_mechanisms = plain login
ssl = yes
ssl_cert = <{workdir}/cert.pem
ssl_key = <{workdir}/key.pem
mail_location = maildir:~/Maildir
first_valid_uid = 1
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {workdir}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {workdir}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {starttls_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port}
    ssl = yes
  }}{chroot}
}}
service anvil {{{chroot}
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service ipc {{{chroot}
}}
"""


def _make_certificate(workdir: Path) -> None:
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-keyout", str(workdir / "key.pem"), "-out", str(workdir / "cert.pem")],
        check=True, capture_output=True, timeout=60,
    )
    (workdir / "key.pem").chmod(0o600)


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):  # held open together, so the ports differ
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _wait_for_ports(process: subprocess.Popen, ports: list[int]) -> bool:
    deadline = time.monotonic() + START_TIMEOUT
    waiting = list(ports)
    while waiting and time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", waiting[0]), timeout=1):
                waiting.pop(0)
        except OSError:
            time.sleep(0.05)
    return not waiting


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to the Dovecot master (it stops its own children), SIGKILL to its process
    group if it does not go in time."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _die_with_parent() -> None:
    """Linux: if pytest is killed outright, the kernel sends Dovecot SIGTERM, so no stray
    server keeps the ports or the temporary folder."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _read_logs(workdir: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in (workdir / "dovecot.out", workdir / "dovecot.log")
                     if p.exists())
