"""The client as a package: what pip installs from tools/python carries its type marker and schema, and
scripts/python-test.sh tests the installed copy, not the checkout's."""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import json
import unittest
from pathlib import Path

from support import SOURCE, installed_run, load_client


class Package(unittest.TestCase):
    def test_the_package_carries_its_type_marker_and_the_schema(self) -> None:
        qc = load_client(False)
        files = importlib.resources.files(qc.__name__)
        self.assertTrue(files.joinpath("py.typed").is_file(), "py.typed: type checkers read the annotations")
        schema = json.loads(files.joinpath("schema.json").read_text(encoding="utf-8"))
        self.assertEqual(schema["version"], qc.options.SCHEMA_VERSION)

    def test_the_tests_run_on_the_installed_package_when_told_so(self) -> None:
        qc = load_client(False)
        where = Path(qc.__file__).resolve().parent
        if not installed_run():
            self.skipTest("run by scripts/python-test.sh on the package pip installed (QUARRY_CLIENT_INSTALLED=1)")
        self.assertNotEqual(where, SOURCE / "quarry_client", "the installed package, not the checkout's copy")
        self.assertIn("site-packages", where.parts)
        self.assertEqual(importlib.metadata.version("quarry-client"), qc.__version__)


if __name__ == "__main__":
    unittest.main()
