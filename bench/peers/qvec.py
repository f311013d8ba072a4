"""Reads Quarry's .qvec files (4096-byte little-endian header, float32 rows, and from version 2 a
16-byte footer holding the rows' checksum) with numpy."""
import struct

import numpy as np

HEADER = 4096


def open_qvec(path):
    """The rows of a .qvec as a read-only memory map, shape [count, dim]."""
    with open(path, "rb") as f:
        head = f.read(20)
    magic, version, dtype, dim, count = struct.unpack("<4sHHiq", head)
    if magic != b"QVEC" or version not in (1, 2) or dtype != 0:
        raise SystemExit(f"{path}: header=magic {magic!r} version {version} dtype {dtype}, "
                         "expected a float32 .qvec version 1 or 2")
    return np.memmap(path, dtype="<f4", mode="r", offset=HEADER, shape=(count, dim))
