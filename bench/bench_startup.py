"""Start-up of `mlscore serve` on SQLite: Popen to the first 200 on /healthz, median of 5.

The database is migrated once beforehand (a fresh file at head), so each start measures what a
restart costs. Measured in the same run:

- `python -c pass` (Popen to exit): the interpreter's own floor; the headline ratio;
- the empty Bolt app of bench/baseline_app.py on the same server stack (Popen to 200);
- whether matplotlib is imported by start-up: the whole build path of `serve` (settings,
  upgrade, build_container, build_bolt, build_web, uvicorn imported) in a fresh interpreter,
  then `'matplotlib' in sys.modules`; and the `-X importtime` log of a real `serve` start;
- the top-level imports that dominate start-up (from -X importtime).

Target: under 2 s; matplotlib not imported.

    .venv/bin/python -m bench.bench_startup            # 5 runs each
    .venv/bin/python -m bench.bench_startup --quick    # 3 runs each
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    REPO,
    machine,
    make_fake,
    serve_baseline,
    serve_bot,
    server_env,
    start_server,
)
from tests.support.driver import free_port

BUILD_PATH = """
import sys
from bot.settings import Settings
from bot.db.migrate import upgrade
from bot.wiring import build_bolt, build_container, build_web
import uvicorn
settings = Settings()
upgrade(settings.database_url)
container = build_container(settings)
build_web(container, build_bolt(container))
print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib')[:3])
"""


def time_python_pass(runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - began)
    return times


def importtime(log: str) -> list[tuple[float, str]]:
    """(cumulative seconds, module) of every top-level import in a -X importtime log."""
    rows = []
    for line in log.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = (part for part in line[len("import time:") :].split("|"))
        if name.startswith("  ") or not cumulative.strip().isdigit():
            continue  # nested imports are counted in their top-level parent
        rows.append((int(cumulative) / 1e6, name.strip()))
    return sorted(rows, reverse=True)


def self_time_by_package(log: str) -> list[tuple[float, str]]:
    """(seconds, top-level package) of import time spent in each package's own modules."""
    totals: dict[str, float] = {}
    for line in log.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        own, _, name = (part for part in line[len("import time:") :].split("|"))
        if not own.strip().isdigit():
            continue
        package = name.strip().split(".")[0]
        totals[package] = totals.get(package, 0.0) + int(own) / 1e6
    return sorted(((seconds, name) for name, seconds in totals.items()), reverse=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="3 runs each")
    args = parser.parse_args()
    runs = 3 if args.quick else args.runs
    print(f"bench_startup: {machine()}; {runs} runs each")
    fake = make_fake([])
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            url = f"sqlite:///{workdir / 'bench.db'}"
            env = server_env(fake, url)
            subprocess.run(
                [sys.executable, "-m", "bot", "db", "upgrade"],
                cwd=workdir,
                env=env,
                check=True,
                capture_output=True,
            )
            python_pass = time_python_pass(runs)
            serve, baseline = [], []
            for _ in range(runs):  # interleaved, so both see the same machine load
                with serve_bot(fake, url, workdir) as bot:
                    serve.append(bot.started_in)
                with serve_baseline(fake, workdir) as base:
                    baseline.append(base.started_in)
            built = subprocess.run(
                [sys.executable, "-c", BUILD_PATH],
                cwd=workdir,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout.strip()
            port = free_port()
            argv = [sys.executable, "-X", "importtime", "-m", "bot", "serve"]
            argv += ["--host", "127.0.0.1", "--port", str(port), "--no-scheduler"]
            with start_server(argv, env, workdir, port=port) as traced:
                time.sleep(0.2)
            log = traced.log()
    finally:
        fake.stop()

    top = importtime(log)
    total_imports = sum(seconds for seconds, _ in top)
    mpl_in_log = any(name == "matplotlib" or name.startswith("matplotlib.") for _, name in top)
    median, floor = statistics.median(serve), statistics.median(python_pass)
    print()
    print(f"  python -c pass:          median {floor * 1000:6.0f} ms  {_ms(python_pass)}")
    print(
        f"  baseline app -> 200:     median {statistics.median(baseline) * 1000:6.0f} ms  "
        f"{_ms(baseline)}"
    )
    print(f"  mlscore serve -> 200:    median {median * 1000:6.0f} ms  {_ms(serve)}")
    print("\nsummary")
    print(
        f"  serve answers /healthz in {median:.2f} s (target < 2 s): {median / floor:.1f} x "
        f"`python -c pass`, {median / statistics.median(baseline):.2f} x the empty Bolt app"
    )
    print(
        f"  matplotlib modules loaded by the serve build path: {built} "
        f"(in the -X importtime log: {'yes' if mpl_in_log else 'no'})"
    )
    print(f"  top-level imports at start ({total_imports:.2f} s in all, -X importtime):")
    for seconds, name in top[:10]:
        print(f"    {seconds * 1000:6.0f} ms  {name}")
    print("  import time by package (own modules only):")
    for seconds, name in self_time_by_package(log)[:12]:
        print(f"    {seconds * 1000:6.0f} ms  {name}")
    print(f"  (run from {REPO})")
    return 0


def _ms(values: list[float]) -> str:
    return "[" + ", ".join(f"{v * 1000:.0f}" for v in values) + "] ms"


if __name__ == "__main__":
    sys.exit(main())
