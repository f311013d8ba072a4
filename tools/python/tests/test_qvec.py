"""write_qvec and read_qvec: the header byte for byte, the CRC32C, round trips, damaged files."""

from __future__ import annotations

import math
import os
import random
import struct
import tempfile
import unittest
from pathlib import Path

from qvec_oracle import crc32c_bitwise, load_qvec
from support import NumpyModes, as_lists, numpy, unit_rows

DATA = Path(__file__).resolve().parent / "data"


def f32(values: list[float]) -> list[float]:
    return list(struct.unpack(f"<{len(values)}f", struct.pack(f"<{len(values)}f", *values)))


class QvecCases(NumpyModes):
    def setUp(self) -> None:
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.dir = Path(tmp.name)

    def rows(self, rows: list[list[float]]) -> object:
        return numpy.asarray(rows, dtype=numpy.float32) if self.NUMPY else rows

    def test_crc32c_matches_the_check_value_and_a_bitwise_implementation(self) -> None:
        crc32c = self.qc.crc32c
        self.assertEqual(crc32c(b"123456789"), 0xE3069283)
        self.assertEqual(crc32c(b""), 0)
        self.assertEqual(crc32c(b"6789", crc32c(b"12345")), 0xE3069283)
        rng = random.Random(1)
        for size in [1, 7, 24, 100]:
            data = bytes(rng.randrange(256) for _ in range(size))
            self.assertEqual(crc32c(data), crc32c_bitwise(data))

    def test_header_is_written_byte_for_byte(self) -> None:
        rows = [[0.5, -1.25, 2.0], [0.0, 3.5, -0.75]]
        path = self.dir / "m.qvec"
        self.qc.write_qvec(path, self.rows(rows))
        data = path.read_bytes()
        fields = struct.pack("<4sHHIQI", b"QVEC", 1, 0, 3, 2, 0)
        self.assertEqual(data[:24], fields)
        self.assertEqual(data[24:28], struct.pack("<I", self.qc.crc32c(fields)))
        self.assertEqual(data[28:4096], bytes(4068))
        self.assertEqual(data[4096:], struct.pack("<6f", 0.5, -1.25, 2.0, 0.0, 3.5, -0.75))
        self.assertEqual(self.qc.read_qvec_header(path), self.qc.QvecHeader(1, 0, 3, 2, 0, self.qc.crc32c(fields)))
        self.assertEqual(os.listdir(self.dir), ["m.qvec"])  # no temporary file left

    def test_round_trips_random_shapes(self) -> None:
        rng = random.Random(7)
        for trial in range(12):
            count, dim = rng.randrange(1, 40), rng.randrange(1, 70)
            rows = [f32([rng.uniform(-3, 3) for _ in range(dim)]) for _ in range(count)]
            with self.subTest(count=count, dim=dim):
                path = self.dir / f"r{trial}.qvec"
                self.qc.write_qvec(path, self.rows(rows), normalized=False)
                back = self.qc.read_qvec(path)
                self.assertEqual(as_lists(back), rows)
                served, served_count, served_dim = load_qvec(str(path))  # what an independent reader reads
                self.assertEqual((served_count, served_dim, as_lists(served)), (count, dim, rows))
                if self.NUMPY:
                    self.assertIsInstance(back, numpy.memmap)
                    self.assertEqual((back.dtype, back.shape), (numpy.dtype("<f4"), (count, dim)))
                    self.assertFalse(back.flags.writeable)

    def test_normalized_flag_follows_the_rows_unless_told(self) -> None:
        unit = unit_rows(5, 8, seed=2)
        raw = [[2.0 * v for v in row] for row in unit]
        cases = [(unit, None, True), (raw, None, False), (unit, False, False), (unit, True, True)]
        for i, (rows, normalized, flagged) in enumerate(cases):
            with self.subTest(case=i):
                path = self.dir / f"n{i}.qvec"
                self.qc.write_qvec(path, self.rows(rows), normalized=normalized)
                self.assertEqual(self.qc.read_qvec_header(path).normalized, flagged)
        with self.assertRaisesRegex(ValueError, r"row 0 has L2 norm 2, expected 1"):
            self.qc.write_qvec(self.dir / "bad.qvec", self.rows(raw), normalized=True)
        self.assertFalse((self.dir / "bad.qvec").exists())

    def test_refuses_rows_with_nan_or_infinity_and_writes_nothing(self) -> None:
        for bad in (math.nan, math.inf):
            with self.subTest(value=bad):
                rows = [[1.0, 0.0], [0.0, bad], [1.0, 1.0]]
                with self.assertRaisesRegex(ValueError, "row 1 holds NaN or infinity"):
                    self.qc.write_qvec(self.dir / "nan.qvec", self.rows(rows))
                self.assertEqual(os.listdir(self.dir), [])

    def test_refuses_ragged_or_flat_input(self) -> None:
        with self.assertRaises(ValueError):
            self.qc.write_qvec(self.dir / "x.qvec", [[1.0, 2.0], [3.0]])
        with self.assertRaises(ValueError):
            self.qc.write_qvec(self.dir / "x.qvec", self.rows([[]]))

    def test_overwrites_an_existing_file_whole(self) -> None:
        path = self.dir / "c.qvec"
        self.qc.write_qvec(path, self.rows([[1.0, 0.0]] * 10))
        self.qc.write_qvec(path, self.rows([[0.0, 1.0]]))
        self.assertEqual(as_lists(self.qc.read_qvec(path)), [[0.0, 1.0]])
        self.assertEqual(path.stat().st_size, 4096 + 8)

    def test_reads_files_written_by_quarry_import(self) -> None:
        unit = self.qc.read_qvec(DATA / "unit-3x5.qvec")  # version 2, with the rows' checksum footer
        self.assertEqual(as_lists(unit), [[1, 0, 0, 0, 0], f32([0.6, 0.8, 0, 0, 0]), [0, 0, 0, 0, -1]])
        header = self.qc.read_qvec_header(DATA / "unit-3x5.qvec")
        self.assertEqual((header.version, header.dim, header.count, header.normalized), (2, 5, 3, True))
        raw = self.qc.read_qvec(DATA / "raw-2x5.qvec")
        self.assertEqual(as_lists(raw), [[1.5, -2, 0.25, 8, 0], [3, 4, 0, 0, 0]])
        self.assertFalse(self.qc.read_qvec_header(DATA / "raw-2x5.qvec").normalized)

    def test_damaged_files_are_refused_naming_the_field(self) -> None:
        path = self.dir / "ok.qvec"
        self.qc.write_qvec(path, self.rows(unit_rows(3, 4, seed=1)))
        good = path.read_bytes()
        cases = {
            "header crc=0x": good[:9] + bytes([good[9] ^ 1]) + good[10:],    # dim damaged
            "magic=": b"QVEX" + good[4:],
            "size=4143 bytes, expected 4144 bytes": good[:-1],
            "size=10 bytes": good[:10],
        }
        for message, data in cases.items():
            with self.subTest(message=message):
                bad = self.dir / "bad.qvec"
                bad.write_bytes(data)
                with self.assertRaises(ValueError) as caught:
                    self.qc.read_qvec(bad)
                self.assertIn(message, str(caught.exception))
                self.assertIn("bad.qvec", str(caught.exception))

    def test_refuses_versions_and_dtypes_it_does_not_read(self) -> None:
        for version, dtype, message in [(3, 0, "version=3"), (1, 1, "dtype=1")]:
            with self.subTest(version=version, dtype=dtype):
                fields = struct.pack("<4sHHIQI", b"QVEC", version, dtype, 2, 1, 0)
                bad = self.dir / "v.qvec"
                bad.write_bytes(fields + struct.pack("<I", self.qc.crc32c(fields)) + bytes(4068) + bytes(8))
                with self.assertRaisesRegex(ValueError, message):
                    self.qc.read_qvec(bad)


class QvecWithNumpy(QvecCases, unittest.TestCase):
    NUMPY = True

    def test_converts_float64_and_writes_an_empty_store(self) -> None:
        path = self.dir / "f64.qvec"
        self.qc.write_qvec(path, numpy.array([[0.1, 0.2]], dtype=numpy.float64))
        self.assertEqual(as_lists(self.qc.read_qvec(path)), [f32([0.1, 0.2])])
        empty = self.dir / "empty.qvec"
        self.qc.write_qvec(empty, numpy.zeros((0, 16), dtype=numpy.float32))
        self.assertEqual(self.qc.read_qvec(empty).shape, (0, 16))
        self.assertTrue(self.qc.read_qvec_header(empty).normalized)

    def test_maps_the_rows_without_reading_them(self) -> None:
        path = self.dir / "big.qvec"
        rows = numpy.random.default_rng(3).standard_normal((2000, 64)).astype(numpy.float32)
        self.qc.write_qvec(path, rows)
        mapped = self.qc.read_qvec(path)
        self.assertEqual(mapped.offset, 4096)
        self.assertTrue(numpy.array_equal(mapped[1234], rows[1234]))


class QvecWithoutNumpy(QvecCases, unittest.TestCase):
    NUMPY = False


if __name__ == "__main__":
    unittest.main()
