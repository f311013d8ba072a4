"""An independent reader of ``.qvec`` files, the oracle of the client's writer in test_qvec.py: a bit-at-a-time
CRC32C and plain ``struct`` decoding, sharing no code with ``quarry_client.qvec``."""

from __future__ import annotations

import os
import struct


def crc32c_bitwise(data: bytes) -> int:
    """CRC32C a bit at a time: slow, and independent of the client's table-driven one."""
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
    return crc ^ 0xFFFFFFFF


def load_qvec(path: str) -> tuple[list[list[float]], int, int]:
    """Rows, count and dim of a .qvec file, checked as Quarry checks them (magic, header CRC, version, size)."""
    with open(path, "rb") as f:
        head = f.read(4096)
        size = os.fstat(f.fileno()).st_size
        if len(head) < 28 or head[:4] != b"QVEC":
            raise ValueError(f"{path}: magic={head[:4]!r}, expected \"QVEC\"")
        version, dtype, dim, count, _flags, crc = struct.unpack_from("<HHIQII", head, 4)
        if crc32c_bitwise(head[:24]) != crc:
            raise ValueError(f"{path}: header crc=0x{crc:08x}, expected 0x{crc32c_bitwise(head[:24]):08x}")
        if version not in (1, 2) or dtype != 0:
            raise ValueError(f"{path}: version={version} dtype={dtype}, expected version 1 or 2, dtype 0")
        expected = 4096 + count * dim * 4 + (16 if version == 2 else 0)
        if size != expected:
            raise ValueError(f"{path}: size={size}, expected {expected}")
        flat = struct.unpack(f"<{count * dim}f", f.read(count * dim * 4))
    return [list(flat[i * dim:(i + 1) * dim]) for i in range(count)], count, dim
