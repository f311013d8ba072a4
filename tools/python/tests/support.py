"""What the client's tests share: the client loaded with or without numpy, and small corpora."""

from __future__ import annotations

import importlib
import math
import random
import sys
import unittest
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tools/python: the quarry_client package

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
    import struct

    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        v = [rng.gauss(0, 1) for _ in range(dim)]
        norm = math.sqrt(sum(x * x for x in v))
        rows.append(list(struct.unpack(f"<{dim}f", struct.pack(f"<{dim}f", *(x / norm for x in v)))))
    return rows
