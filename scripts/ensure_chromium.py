"""Make sure Debian's Chromium is there for the browser tests (installs it when root)."""
import os
import shutil
import subprocess
import sys

CHROMIUM = "/usr/bin/chromium"


def main():
    """Install chromium with apt-get when missing and allowed; say clearly when not."""
    if os.path.exists(CHROMIUM):
        return 0
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("Installing Debian's chromium for the browser tests...", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env)
        return 0
    print(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) for the browser tests.",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
