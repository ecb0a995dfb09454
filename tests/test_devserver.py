"""`make run` keeps web, worker and cron running: a child that dies is started again, alone."""
import sys

from saas.devserver import Supervisor
from tests.fault_stack import poll


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
        codes = supervisor.stop(timeout=5)
    assert codes["steady"] != 0  # stopped by SIGTERM
