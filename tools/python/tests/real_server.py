"""The real ``quarry serve`` for the client's tests: started on a free loopback port, bounded in time, stopped.

A test asks for a server by the catalog it serves (:func:`shared`); the first ask starts it through the
repository's launcher (``./quarry serve``, which builds the server module first when its jar is missing or
older than the sources), later asks get the same one, and every server is stopped when the test process
exits (SIGTERM, then SIGKILL after a deadline). A server also gets SIGTERM when the test process dies
without cleaning up (Linux's parent-death signal, set by util-linux's setpriv), so none outlives the tests.

Waits are on events with deadlines: the server's "listening on" line (``QUARRY_SERVE_START_SECONDS``,
default 600 s: a first run builds the server module, minutes on a busy machine), its exit on stop.
"""

from __future__ import annotations

import atexit
import collections
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[3]
LAUNCHER = ROOT / "quarry"
START_SECONDS = float(os.environ.get("QUARRY_SERVE_START_SECONDS", "600"))
STOP_SECONDS = 60.0
_LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


def _with_parent_death_signal(command: list[str]) -> list[str]:
    """The command under util-linux's setpriv, which has the kernel send it SIGTERM when the test process
    dies (PR_SET_PDEATHSIG, kept across exec), where setpriv is installed; the command alone elsewhere."""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "TERM", "--", *command] if setpriv else command


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass  # gone already


class QuarryServe:
    """One ``quarry serve`` process serving ``catalog`` on 127.0.0.1, port chosen by the server.

    ``args`` are serve's own options (``--corpus corpus.qvec``, ...), resolved from ``catalog``, the
    process's working directory. ``token``: the bearer token, when ``args`` name a token file.
    """

    def __init__(self, catalog: Path, args: list[str], token: str | None = None) -> None:
        self.catalog = catalog
        self.args = args
        self.token = token
        self.url = ""
        self.log: collections.deque[str] = collections.deque(maxlen=200)
        self._ready = threading.Event()
        self._process: subprocess.Popen[str] | None = None

    def start(self) -> QuarryServe:
        """Starts the server and waits for its "listening on" line; raises RuntimeError with its log if none."""
        command = [str(LAUNCHER), "serve", "--bind", "127.0.0.1:0", *self.args]
        print(f"real_server: starting {' '.join(command)} in {self.catalog}", file=sys.stderr, flush=True)
        self._process = subprocess.Popen(_with_parent_death_signal(command), cwd=self.catalog,
                                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                         text=True, start_new_session=True)
        threading.Thread(target=self._read, name="quarry-serve-log", daemon=True).start()
        if not self._ready.wait(START_SECONDS) or not self.url:
            ended = self._ready.is_set()  # its output ended: it exited (or is exiting) without listening
            if ended:
                try:
                    self._process.wait(STOP_SECONDS)
                except subprocess.TimeoutExpired:
                    pass  # stop() ends it
            code = self.stop()
            state = f"exited with {code}" if ended else f"not listening after {START_SECONDS:g} s"
            raise RuntimeError(f"quarry serve {state}; its output:\n" + "\n".join(self.log))
        return self

    def _read(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            self.log.append(line.rstrip("\n"))
            found = _LISTENING.search(line)
            if found and not self.url:
                self.url = found.group(1)
                self._ready.set()
        self._ready.set()  # the server's output ended: it exited, ready or not

    def stop(self) -> int | None:
        """SIGTERM (the server drains and exits 0), SIGKILL after STOP_SECONDS; returns its exit code."""
        process = self._process
        if process is None:
            return None
        if process.poll() is None:
            _signal_group(process.pid, signal.SIGTERM)  # its group: the launcher's build too, if one runs
            try:
                process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                _signal_group(process.pid, signal.SIGKILL)
                process.wait(STOP_SECONDS)
        if process.stdout is not None:
            process.stdout.close()
        return process.returncode

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None


_shared: dict[str, tuple[QuarryServe, Path]] = {}
_lock = threading.Lock()


def shared(name: str, make: Callable[[Path], QuarryServe]) -> QuarryServe:
    """The server called ``name``, started on first use: ``make(catalog)`` writes a catalog into an empty
    temporary directory and returns the (unstarted) server for it. Stopped, and its directory removed,
    when the test process exits."""
    with _lock:
        if name not in _shared:
            catalog = Path(tempfile.mkdtemp(prefix=f"quarry-client-{name}-"))
            try:
                server = make(catalog).start()
            except BaseException:
                shutil.rmtree(catalog, ignore_errors=True)
                raise
            _shared[name] = (server, catalog)
        return _shared[name][0]


@atexit.register
def _stop_all() -> None:
    for server, catalog in _shared.values():
        server.stop()
        shutil.rmtree(catalog, ignore_errors=True)
    _shared.clear()


def run_quarry(*args: str, cwd: Path, timeout: float = START_SECONDS) -> str:
    """Runs ``./quarry ARGS`` (a command that ends by itself) and returns its output; raises with it on failure."""
    done = subprocess.run([str(LAUNCHER), *args], cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"quarry {' '.join(args)} exited with {done.returncode}:\n{done.stdout}{done.stderr}")
    return done.stdout
