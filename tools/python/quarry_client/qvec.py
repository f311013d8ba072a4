"""Reading and writing ``.qvec`` files, the vector stores ``quarry serve`` reads.

Layout (little-endian): a 4096-byte header (magic ``QVEC``, u16 version, u16 dtype 0 = float32,
u32 dim, u64 count, u32 flags with bit 0 = rows L2-normalized, u32 CRC32C of bytes 0..23, zeros),
then ``count x dim`` float32 rows. Version 2 files end with a 16-byte footer holding a checksum of
the rows; :func:`write_qvec` writes version 1 (no footer: the server computes that checksum once and
caches it), :func:`read_qvec` reads both.
"""

from __future__ import annotations

import array
import importlib
import math
import os
import struct
import sys
from typing import Any, NamedTuple

_np: Any  # numpy, typed loosely: the client's arrays are Any to callers with or without it
try:
    _np = importlib.import_module("numpy")
except ImportError:  # the client works without numpy, with lists instead of arrays
    _np = None

__all__ = ["crc32c", "QvecHeader", "read_qvec_header", "read_qvec", "write_qvec", "HEADER_SIZE"]

HEADER_SIZE = 4096
"""Bytes before row 0 (rows start page-aligned)."""

_MAGIC = b"QVEC"
_FIELDS = struct.Struct("<4sHHIQI")  # magic, version, dtype, dim, count, flags: the 24 checked bytes
_FOOTER_SIZE = 16  # version 2 only
_FLAG_NORMALIZED = 1
# Rows count as unit-norm when |norm - 1| is at most this (the server's own tolerance).
_UNIT_TOLERANCE = 1e-3
_CHUNK_BYTES = 4 << 20


def _crc32c_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC32C_TABLE = _crc32c_table()


def crc32c(data: bytes, crc: int = 0) -> int:
    """CRC32C (Castagnoli) of ``data``, continuing from ``crc``; ``crc32c(b"123456789") == 0xE3069283``.

    Pure Python (a byte at a time): meant for the 24 header bytes, not for rows.
    """
    crc ^= 0xFFFFFFFF
    table = _CRC32C_TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


class QvecHeader(NamedTuple):
    """The fields of a ``.qvec`` header."""

    version: int
    dtype: int
    dim: int
    count: int  # type: ignore[assignment]  # the file format's name; it hides tuple.count, unused here
    flags: int
    crc: int

    @property
    def normalized(self) -> bool:
        """Whether the file says every row has unit L2 norm."""
        return bool(self.flags & _FLAG_NORMALIZED)

    @property
    def footer_bytes(self) -> int:
        """Bytes after the rows (the checksum footer of version 2)."""
        return _FOOTER_SIZE if self.version >= 2 else 0


def _encode_header(dim: int, count: int, normalized: bool) -> bytes:
    fields = _FIELDS.pack(_MAGIC, 1, 0, dim, count, _FLAG_NORMALIZED if normalized else 0)
    head = fields + struct.pack("<I", crc32c(fields))
    return head + bytes(HEADER_SIZE - len(head))


def _bad(path: Any, field: str, value: Any, expected: str) -> ValueError:
    return ValueError(f"{os.fspath(path)}: {field}={value}, expected {expected}")


def read_qvec_header(path: str | os.PathLike[str]) -> QvecHeader:
    """Reads and checks a ``.qvec`` header: magic, CRC, version, dtype, dim, and the file's size.

    Raises ``ValueError`` naming the file, the field, its value and what was expected.
    """
    with open(path, "rb") as f:
        head = f.read(28)
        size = os.fstat(f.fileno()).st_size
    if len(head) < 28:
        raise _bad(path, "size", f"{size} bytes", f"at least a {HEADER_SIZE}-byte .qvec header")
    magic, version, dtype, dim, count, flags = _FIELDS.unpack_from(head)
    (stored,) = struct.unpack_from("<I", head, 24)
    if magic != _MAGIC:
        raise _bad(path, "magic", repr(magic), '"QVEC" (is this a .qvec file?)')
    actual = crc32c(head[:24])
    if actual != stored:
        raise _bad(path, "header crc", f"0x{stored:08x}",
                   f"0x{actual:08x} computed from bytes 0..23 (the header is corrupt)")
    if version not in (1, 2):
        raise _bad(path, "version", version, "1 or 2 (written by a newer Quarry?)")
    if dtype != 0:
        raise _bad(path, "dtype", dtype, "0 (float32)")
    if dim < 1:
        raise _bad(path, "dim", dim, "at least 1")
    header = QvecHeader(version, dtype, dim, count, flags, stored)
    expected = HEADER_SIZE + count * dim * 4 + header.footer_bytes
    if size != expected:
        raise _bad(path, "size", f"{size} bytes",
                   f"{expected} bytes ({HEADER_SIZE} + count x dim x 4"
                   f"{' + 16' if header.footer_bytes else ''}, count={count}, dim={dim})")
    return header


def read_qvec(path: str | os.PathLike[str]) -> Any:
    """The rows of a ``.qvec`` file (version 1 or 2, float32).

    With numpy: a read-only ``numpy.memmap`` of shape ``(count, dim)`` and dtype ``<f4`` (nothing is
    read until used). Without numpy: a list of ``count`` lists of floats, read whole.
    """
    header = read_qvec_header(path)
    if _np is not None:
        if header.count == 0:
            return _np.zeros((0, header.dim), dtype="<f4")
        return _np.memmap(path, dtype="<f4", mode="r", offset=HEADER_SIZE, shape=(header.count, header.dim))
    rows: list[list[float]] = []
    with open(path, "rb") as f:
        f.seek(HEADER_SIZE)
        for _ in range(header.count):
            row = array.array("f")
            row.frombytes(f.read(4 * header.dim))
            if sys.byteorder == "big":
                row.byteswap()
            rows.append(row.tolist())
    return rows


def write_qvec(path: str | os.PathLike[str], rows: Any, normalized: bool | None = None) -> None:
    """Writes ``rows`` (a 2-D float array or a list of equal-length lists) to a version 1 ``.qvec``.

    ``normalized``: ``None`` sets the header's normalized flag when every row has unit L2 norm
    (within 1e-3); ``True`` sets it and checks that it holds (``ValueError`` naming the first row
    that is not); ``False`` leaves it unset. Rows holding NaN or infinity are refused (the server
    refuses them too). The file is written beside ``path`` under a temporary name and renamed when
    complete, so a reader never sees half a file.
    """
    if _np is not None:
        matrix = _np.ascontiguousarray(rows, dtype="<f4")
        if matrix.ndim != 2:
            raise ValueError(f"rows: shape={matrix.shape}, expected (count, dim)")
        count, dim = matrix.shape
        if dim < 1:
            raise ValueError(f"rows: shape={matrix.shape}, expected at least one column")
        finite = _np.isfinite(matrix).all(axis=1)
        if not finite.all():
            bad = int(_np.argmin(finite))
            raise ValueError(f"rows: row {bad} holds NaN or infinity, expected finite values")
        norms = _np.sqrt(_np.einsum("ij,ij->i", matrix, matrix, dtype=_np.float64))
        off_unit = _np.abs(norms - 1.0) > _UNIT_TOLERANCE
        first_off = int(_np.argmax(off_unit)) if off_unit.any() else -1
        first_norm = float(norms[first_off]) if first_off >= 0 else 1.0
        chunk_rows = max(1, _CHUNK_BYTES // (4 * dim))
        chunks = (matrix[s:s + chunk_rows].tobytes() for s in range(0, count, chunk_rows))
    else:
        table = [array.array("f", row) for row in rows]
        count = len(table)
        dim = len(table[0]) if table else 0
        first_off, first_norm = -1, 1.0
        for i, row in enumerate(table):
            if len(row) != dim:
                raise ValueError(f"rows: row {i} has {len(row)} values, expected {dim} (as row 0)")
            if not all(math.isfinite(v) for v in row):
                raise ValueError(f"rows: row {i} holds NaN or infinity, expected finite values")
            norm = math.sqrt(math.fsum(v * v for v in row))
            if first_off < 0 and abs(norm - 1.0) > _UNIT_TOLERANCE:
                first_off, first_norm = i, norm
            if sys.byteorder == "big":
                row.byteswap()
        if dim < 1:
            raise ValueError("rows: no columns, expected at least one (a list of equal-length lists)")
        chunks = (row.tobytes() for row in table)
    if normalized is None:
        normalized = first_off < 0
    elif normalized and first_off >= 0:
        raise ValueError(f"rows: row {first_off} has L2 norm {first_norm:.6g}, expected 1 (normalized=True); "
                         "normalize the rows or pass normalized=None")
    _write_atomically(path, _encode_header(dim, count, bool(normalized)), chunks)


def _write_atomically(path: str | os.PathLike[str], header: bytes, chunks: Any) -> None:
    target = os.fspath(path)
    tmp = f"{target}.quarry-{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as f:
            f.write(header)
            for chunk in chunks:
                f.write(chunk)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise

