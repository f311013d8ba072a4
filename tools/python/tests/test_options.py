"""Client.mine's keyword parameters are the request schema's settings: options.py is what
generate_options.py writes from schema.json (which SchemaExportTest keeps equal to the engine's declaration),
so a setting added to the schema and not to the client fails here."""

from __future__ import annotations

import copy
import importlib.util
import inspect
import json
import tempfile
import unittest
from pathlib import Path
from types import ModuleType

from support import SOURCE, load_client

SCHEMA = SOURCE / "quarry_client" / "schema.json"
OPTIONS = SOURCE / "quarry_client" / "options.py"
ANNOTATIONS = {"integer": "int | None", "long": "int | None", "number": "float | None", "switch": "bool | None"}


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_options", SOURCE / "generate_options.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def schema() -> dict:
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


def python_settings(parsed: dict) -> list[dict]:
    return [s for s in parsed["settings"] if "python" in s["names"]]


class OptionsFromTheSchema(unittest.TestCase):
    def test_options_py_is_what_the_generator_writes_from_schema_json(self) -> None:
        diff = generator().stale(SCHEMA, OPTIONS)
        self.assertIsNone(diff, "options.py is stale: run /usr/bin/python3 tools/python/generate_options.py\n"
                          f"{diff}")

    def test_a_setting_added_to_the_schema_makes_options_py_stale(self) -> None:
        grown = copy.deepcopy(schema())
        grown["settings"].append({"key": "max_hops", "kind": "integer", "default": "4", "offable": False,
                                  "expected": ">= 1", "meaning": "Hops.", "example": "2",
                                  "names": {"cli": "--max-hops", "http": "max_hops", "python": "max_hops"}})
        with tempfile.TemporaryDirectory() as tmp:
            grown_path = Path(tmp) / "schema.json"
            grown_path.write_text(json.dumps(grown), encoding="utf-8")
            diff = generator().stale(grown_path, OPTIONS)
        self.assertIsNotNone(diff)
        self.assertIn("+             max_hops: int | None = None", diff)

    def test_a_setting_only_other_doors_take_is_no_keyword(self) -> None:
        names = self.keyword_names("mine")
        self.assertIn("num_negatives", names)
        self.assertNotIn("output_format", names)  # the service answers ids and scores, not a file format

    def keyword_names(self, method: str) -> list[str]:
        qc = load_client(False)
        parameters = inspect.signature(getattr(qc.Client, method)).parameters.values()
        return [p.name for p in parameters if p.kind is p.KEYWORD_ONLY and p.name not in ("anchor_ids", "binary")]

    def test_mine_and_mine_json_take_every_setting_typed_by_its_kind(self) -> None:
        qc = load_client(False)
        settings = python_settings(schema())
        self.assertEqual(qc.MINE_OPTIONS, {s["names"]["python"]: s["names"]["http"] for s in settings})
        for method in ("mine", "mine_json"):
            parameters = inspect.signature(getattr(qc.Client, method)).parameters
            self.assertEqual(self.keyword_names(method), [s["names"]["python"] for s in settings])
            self.assertFalse(any(p.kind is p.VAR_KEYWORD for p in parameters.values()), f"{method} takes **kwargs")
            for s in settings:
                p = parameters[s["names"]["python"]]
                with self.subTest(method=method, setting=s["key"]):
                    self.assertIsNone(p.default)
                    if s["kind"] == "choice":
                        alias = "".join(w.capitalize() for w in s["key"].split("_"))
                        self.assertEqual(p.annotation, f"{alias} | None")
                        self.assertEqual(getattr(qc.options, alias).__args__, tuple(s["choices"]))
                    else:
                        wanted = ANNOTATIONS[s["kind"]]
                        if s["offable"]:
                            wanted = wanted.replace(" | None", " | Off | None")
                        self.assertEqual(p.annotation, wanted)

    def test_mine_documents_every_setting_with_its_meaning(self) -> None:
        qc = load_client(False)
        doc = inspect.getdoc(qc.Client.mine) or ""
        for s in python_settings(schema()):
            self.assertIn(f"{s['names']['python']}: {s['meaning'].split(' ')[0]}", doc)


if __name__ == "__main__":
    unittest.main()
