"""Run every benchmarks/bench_*.py in turn (`make bench`); each prints its own figures."""
import platform
import runpy
import sys
import time
from datetime import date
from pathlib import Path


def main():
    """Run each benchmark script as __main__, in name order."""
    here = Path(__file__).resolve().parent
    only = sys.argv[1:]
    print(f"# Relais benchmarks, {date.today()}, {platform.node()}, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}")
    for script in sorted(here.glob("bench_*.py")):
        if only and not any(name in script.name for name in only):
            continue
        print(f"\n## {script.stem}", flush=True)
        started = time.perf_counter()
        runpy.run_path(str(script), run_name="__main__")
        print(f"({script.stem} took {time.perf_counter() - started:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
