"""read_options: an options file as quarry tune writes it gives Client.mine's keywords; anything else is refused
naming the file, the key, the value and what was expected."""

from __future__ import annotations

import json
import os
import tempfile
import unittest

from support import load_client

qc = load_client(False)

# What quarry tune writes (OptionsFile.encode): every setting in force, by the schema's keys.
WRITTEN = """{
  "format" : "quarry-options",
  "version" : 1,
  "source" : "quarry tune: the best of 8 mining configurations by held-out recall@10 after training",
  "options" : {
    "num_negatives" : 3,
    "range_min" : 10,
    "range_max" : 50,
    "min_score" : "off",
    "max_score" : "off",
    "absolute_margin" : "off",
    "relative_margin" : 0.05,
    "near_duplicate" : 0.9,
    "min_positive_score" : "off",
    "widen_to" : 0,
    "leave_out_short" : true,
    "sampling_strategy" : "random",
    "semi_hard_margin" : 0.05,
    "simans_a" : 1.0,
    "simans_b" : -0.1,
    "seed" : 42
  }
}
"""


class ReadOptions(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def file(self, text: str) -> str:
        path = os.path.join(self.dir.name, f"o{abs(hash(text))}.json")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def test_the_file_tune_writes_gives_mines_keywords(self) -> None:
        options = qc.read_options(self.file(WRITTEN))
        self.assertEqual(options["range_max"], 50)
        self.assertEqual(options["sampling_strategy"], "random")
        self.assertEqual(options["min_score"], "off")
        self.assertIs(options["leave_out_short"], True)
        self.assertEqual(set(options) - set(qc.MINE_OPTIONS), set(), "every key is one Client.mine takes")
        # as the client sends them: values as text
        self.assertEqual(qc.client._option_text(options["range_max"]), "50")
        self.assertEqual(qc.client._option_text(options["leave_out_short"]), "true")

    def test_anything_else_is_refused_naming_the_key_and_what_was_expected(self) -> None:
        cases = [
            ("[1]", "file=not a JSON object"),
            ('{"options": {"range_min": 3}', "file=unreadable ("),
            ('{"options": {"range_min": NaN}}', "file=unreadable ("),
            ('{"options": {"seed": 1, "seed": 2}}', "file=unreadable ("),
            ('{"format": "quarry-options"}', "options=missing"),
            ('{"format": "other", "options": {}}', 'format=other, expected "quarry-options"'),
            ('{"version": 2, "options": {}}', "version=2, expected 1"),
            ('{"options": {}, "note": "x"}', "note=x, expected format, version, source, warning or options"),
            ('{"options": [1]}', "options=[1], expected an object of settings"),
            ('{"options": {"range_mni": 3}}', "options.range_mni=3, expected a setting of the request schema"),
            ('{"options": {"output_format": "npy"}}', "options.output_format=npy, expected a setting the service"),
            ('{"options": {"num_negatives": 2.5}}', "options.num_negatives=2.5, expected"),
            ('{"options": {"num_negatives": true}}', "options.num_negatives=true, expected"),
            ('{"options": {"relative_margin": "NaN"}}', "options.relative_margin=NaN, expected 0 <= m < 1"),
            ('{"options": {"leave_out_short": "yes"}}', "options.leave_out_short=yes, expected true or false"),
            ('{"options": {"sampling_strategy": "hardest"}}', "options.sampling_strategy=hardest, expected"),
        ]
        for text, message in cases:
            with self.subTest(text=text):
                path = self.file(text)
                with self.assertRaises(ValueError) as caught:
                    qc.read_options(path)
                self.assertIn(f"{path}: {message}", str(caught.exception))
        with self.assertRaises(ValueError) as caught:
            qc.read_options(os.path.join(self.dir.name, "none.json"))
        self.assertIn("file=missing", str(caught.exception))
        with self.assertRaises(ValueError) as caught:
            qc.read_options(self.dir.name)
        self.assertIn("file=not a regular file", str(caught.exception))

    def test_the_schema_copy_lists_every_kind_the_reader_checks(self) -> None:
        with open(os.path.join(os.path.dirname(qc.__file__), "schema.json"), encoding="utf-8") as f:
            kinds = {s["kind"] for s in json.load(f)["settings"]}
        self.assertLessEqual(kinds, {"integer", "long", "number", "switch", "choice"}, kinds)


if __name__ == "__main__":
    unittest.main()
