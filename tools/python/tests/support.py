"""What the client's tests share: the client loaded with or without numpy, small catalogs, and the real
servers that serve them (real_server.py)."""

from __future__ import annotations

import functools
import importlib
import importlib.util
import math
import os
import random
import struct
import sys
import unittest
from pathlib import Path
from types import ModuleType
from typing import Any

from real_server import QuarryServe, shared

SOURCE = Path(__file__).resolve().parents[1]  # tools/python: the quarry_client package's source
if importlib.util.find_spec("quarry_client") is None:
    sys.path.insert(0, str(SOURCE))  # not installed (pip install tools/python): the checkout's copy

CLIENT_TIMEOUT = 120.0
"""Seconds a test's client waits for an answer: generous, for a machine busy with other builds."""

TOKEN = "client-tests-token-0123456789"
"""The bearer token of the main server."""

try:
    import numpy
except ImportError:
    numpy = None

_loaded: dict[bool, ModuleType] = {}


def load_client(with_numpy: bool) -> ModuleType | None:
    """A copy of ``quarry_client`` of its own, imported with numpy hidden when ``with_numpy`` is False.

    Hiding works as an import hook would: ``sys.modules["numpy"] = None`` makes ``import numpy``
    raise ImportError while the copy is imported; the copy keeps what it saw, and the process's own
    modules are put back. Returns None when numpy is wanted but not installed.
    """
    if with_numpy and numpy is None:
        return None
    if with_numpy not in _loaded:
        ours = [m for m in sys.modules if m == "quarry_client" or m.startswith("quarry_client.")]
        saved = {m: sys.modules.pop(m) for m in ours}
        saved_numpy = sys.modules.get("numpy")
        try:
            if not with_numpy:
                sys.modules["numpy"] = None  # type: ignore[assignment]
            module = importlib.import_module("quarry_client")
        finally:
            for m in [m for m in sys.modules if m == "quarry_client" or m.startswith("quarry_client.")]:
                del sys.modules[m]
            sys.modules.update(saved)
            if saved_numpy is None:
                sys.modules.pop("numpy", None)
            else:
                sys.modules["numpy"] = saved_numpy
        if module.HAVE_NUMPY != with_numpy:
            raise AssertionError(f"quarry_client loaded with HAVE_NUMPY={module.HAVE_NUMPY}, wanted {with_numpy}")
        _loaded[with_numpy] = module
    return _loaded[with_numpy]


class NumpyModes:
    """Mixin: ``self.qc`` is the client package loaded with numpy (``NUMPY = True``) or without it."""

    NUMPY = True
    qc: ModuleType

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()  # type: ignore[misc]
        module = load_client(cls.NUMPY)
        if module is None:
            raise unittest.SkipTest("numpy is not installed (apt-get install python3-numpy)")
        cls.qc = module


def as_lists(value: Any) -> Any:
    """Nested lists, whatever the client returned (numpy arrays or lists)."""
    return value.tolist() if hasattr(value, "tolist") else value


def unit_rows(count: int, dim: int, seed: int) -> list[list[float]]:
    """Random unit-norm rows, rounded to float32."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        v = [rng.gauss(0, 1) for _ in range(dim)]
        norm = math.sqrt(sum(x * x for x in v))
        rows.append(list(struct.unpack(f"<{dim}f", struct.pack(f"<{dim}f", *(x / norm for x in v)))))
    return rows


# -- the main server: most tests mine from it ----------------------------------------------------------

MAIN_ROWS, MAIN_DIM = 200, 8


@functools.lru_cache(maxsize=None)
def main_corpus() -> tuple[tuple[float, ...], ...]:
    """The main server's corpus rows (unit norm, float32 values)."""
    return tuple(tuple(row) for row in unit_rows(MAIN_ROWS, MAIN_DIM, seed=3))


def corpus_id(row: int) -> str:
    """The main corpus's id of a row: numbers that are not the row numbers, so the two are never confused."""
    return str(1000 + row)


def main_server() -> QuarryServe:
    """``quarry serve`` over the main corpus (ids 1000..1199): exact search, a negatives store, a bearer token."""

    def make(catalog: Path) -> QuarryServe:
        qc = load_client(False)
        qc.write_qvec(catalog / "corpus.qvec", [list(row) for row in main_corpus()])
        (catalog / "corpus.qvec.ids").write_text("".join(corpus_id(r) + "\n" for r in range(MAIN_ROWS)))
        token = catalog / "token.txt"
        token.write_text(TOKEN + "\n")
        token.chmod(0o600)
        return QuarryServe(catalog, ["--corpus", str(catalog / "corpus.qvec"), "--negatives-store",
                                     str(catalog / "negatives.cmap"), "--store-anchors", "10000",
                                     "--token-file", str(token)], token=TOKEN)

    return shared("main", make)


# -- a catalog as the examples read it: corpus, queries, ids and labels ------------------------------------

def write_catalog(directory: Path, docs: int = 600, anchors: int = 120, dim: int = 16) -> None:
    """corpus.qvec and queries.qvec with their ids, and qrels.tsv: query i is a noisy copy of doc 3i."""
    qc = load_client(False)
    corpus = unit_rows(docs, dim, seed=11)
    rng = random.Random(12)
    queries = []
    for i in range(anchors):
        v = [x + rng.gauss(0, 0.05) for x in corpus[3 * i]]
        norm = sum(x * x for x in v) ** 0.5
        queries.append([x / norm for x in v])
    qc.write_qvec(directory / "corpus.qvec", corpus)
    qc.write_qvec(directory / "queries.qvec", queries)
    (directory / "corpus.qvec.ids").write_text("".join(f"d{i}\n" for i in range(docs)))
    (directory / "queries.qvec.ids").write_text("".join(f"q{i}\n" for i in range(anchors)))
    (directory / "qrels.tsv").write_text("".join(f"q{i}\td{3 * i}\t1\n" for i in range(anchors)))


def catalog_server() -> QuarryServe:
    """``quarry serve`` over a catalog of write_catalog's: exact search, no negatives store, no token."""

    def make(catalog: Path) -> QuarryServe:
        write_catalog(catalog)
        return QuarryServe(catalog, ["--corpus", str(catalog / "corpus.qvec")])

    return shared("catalog", make)


def installed_run() -> bool:
    """Whether scripts/python-test.sh runs the tests on the package installed with pip (not the checkout)."""
    return os.environ.get("QUARRY_CLIENT_INSTALLED") == "1"
