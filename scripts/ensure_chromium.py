"""Make sure Debian's Chromium (browser tests) and poppler's pdftoppm (PDF pages drawn as PNG for the visual checks)
are there; installs them when root."""
import os
import shutil
import subprocess
import sys

NEEDED = {"/usr/bin/chromium": "chromium", "/usr/bin/pdftoppm": "poppler-utils"}


def main():
    """Install what is missing with apt-get when allowed; say clearly when not."""
    missing = [package for path, package in NEEDED.items() if not os.path.exists(path)]
    if not missing:
        return 0
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"Installing Debian's {', '.join(missing)} for the browser and PDF tests...", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env)
        return 0
    print(f"Missing for the browser and PDF tests: {', '.join(missing)} (apt-get install {' '.join(missing)}).",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
