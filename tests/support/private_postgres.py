"""A PostgreSQL server of a test's own, to stop and start at will.

initdb in a fresh directory, on a free port, with its socket in that directory: the shared
server on 5432 is never touched. Run as the `postgres` user when the tests run as root
(PostgreSQL refuses to run as root). Skips when the server binaries are not installed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.driver import free_port
from tests.support.polling import wait_until


def _bindir() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        pytest.skip("no PostgreSQL server binaries (initdb) under /usr/lib/postgresql")
    return found[-1].parent


@dataclass
class PrivateServer:
    bindir: Path
    root: Path
    port: int

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *argv: str) -> None:
        command = [str(self.bindir / argv[0]), *argv[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, f"{argv[0]} failed:\n{done.stdout}\n{done.stderr}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        log = str(self.root / "server.log")
        self._run("pg_ctl", "-D", str(self.datadir), "-o", options, "-l", log, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "stop")

    def wait_ready(self, timeout: float = 30) -> None:
        probe = [str(self.bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)]
        wait_until(
            lambda: subprocess.run(probe, capture_output=True, check=False).returncode == 0,
            timeout=timeout,
            what="the private PostgreSQL to come up",
            interval=0.1,
        )


@contextmanager
def private_postgres() -> Iterator[PrivateServer]:
    """A running server of its own; stopped and removed afterwards."""
    bindir = _bindir()
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: cannot start PostgreSQL as postgres")
    root = Path(tempfile.mkdtemp(prefix="mlscore-pg-"))
    root.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    server = PrivateServer(bindir, root, free_port())
    try:
        server._run("initdb", "-D", str(server.datadir), "-A", "trust", "-U", "postgres", "-N")
        server.start()
        server.wait_ready()
        yield server
    finally:
        with contextlib.suppress(AssertionError):  # already stopped
            server.stop()
        shutil.rmtree(root, ignore_errors=True)
