"""Options files: mining settings kept as JSON by the request schema's keys.

``quarry tune --output best.json`` writes the best configuration it found as such a file;
``quarry mine --options-file`` and ``quarry serve --options-file`` read it, and so does
:func:`read_options`, which gives the settings as :meth:`Client.mine` takes them::

    from quarry_client import Client, read_options

    options = read_options("best.json")
    ids, scores, version = client.mine(anchors, positives, **options)

Every key and value is checked against ``schema.json`` (the same declaration the server checks
with): a file that is not such options raises ``ValueError`` naming the file, the key, the value
and what was expected, so a misspelt key never passes for a setting at its default.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

__all__ = ["read_options", "FORMAT", "VERSION"]

FORMAT = "quarry-options"
"""The ``format`` field of an options file."""
VERSION = 1
"""The version of the format this client reads."""

_MAX_BYTES = 1 << 20  # a file of settings is a few hundred bytes
_FIELDS = ("format", "version", "source", "warning", "options")


def _settings() -> dict[str, dict[str, Any]]:
    with open(os.path.join(os.path.dirname(__file__), "schema.json"), encoding="utf-8") as f:
        return {s["key"]: s for s in json.load(f)["settings"]}


_SETTINGS = _settings()


def read_options(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The settings of the options file ``path``, by :meth:`Client.mine`'s keyword names.

    Values keep their JSON type; ``"off"`` stands for a filter switched off. Settings the service does
    not take (output settings, which belong to the command line) are refused, as the server refuses them.

    Raises:
        ValueError: the file is not an options file, or holds a key or value the schema refuses.
        OSError: the file cannot be read.
    """
    name = os.fspath(path)

    def refuse(field: str, value: Any, expected: str) -> ValueError:
        return ValueError(f"{name}: {field}={_shown(value)}, expected {expected}")

    if not os.path.isfile(name):
        raise refuse("file", "not a regular file" if os.path.exists(name) else "missing", "an options file")
    if os.path.getsize(name) > _MAX_BYTES:
        raise refuse("size", f"{os.path.getsize(name)} bytes", f"an options file of at most {_MAX_BYTES} bytes")
    with open(name, "rb") as f:
        data = f.read()
    try:
        doc = json.loads(data.decode("utf-8"), parse_constant=_no_constant, object_pairs_hook=_unique_keys)
    except (UnicodeDecodeError, json.JSONDecodeError, _NotOptions) as e:
        raise refuse("file", f"unreadable ({e})", "a JSON object {\"format\": \"quarry-options\", "
                     "\"options\": {...}}") from None
    if not isinstance(doc, dict):
        raise refuse("file", "not a JSON object", "a JSON object {\"format\": \"quarry-options\", \"options\": {...}}")
    for field, value in doc.items():
        if field not in _FIELDS:
            raise refuse(field, value, "format, version, source, warning or options")
    if "format" in doc and doc["format"] != FORMAT:
        raise refuse("format", doc["format"], f'"{FORMAT}"')
    if "version" in doc and (isinstance(doc["version"], bool) or doc["version"] != VERSION):
        raise refuse("version", doc["version"], str(VERSION))
    for field in ("source", "warning"):
        if field in doc and not isinstance(doc[field], str):
            raise refuse(field, doc[field], "text")
    if "options" not in doc:
        raise refuse("options", "missing", "an object of settings by key ({\"num_negatives\": 8, ...})")
    if not isinstance(doc["options"], dict):
        raise refuse("options", doc["options"], "an object of settings by key ({\"num_negatives\": 8, ...})")
    out: dict[str, Any] = {}
    for key, value in doc["options"].items():
        field = f"options.{key}"
        setting = _SETTINGS.get(key)
        if setting is None:
            raise refuse(field, value, "a setting of the request schema (quarry options lists them)")
        if "python" not in setting["names"]:
            raise refuse(field, value, "a setting the service takes (quarry options lists them by door)")
        expected = _check(setting, value)
        if expected is not None:
            raise refuse(field, value, expected)
        out[setting["names"]["python"]] = value
    return out


def _check(setting: dict[str, Any], value: Any) -> str | None:
    """None when ``value`` is one ``setting`` takes, else what it takes."""
    kind = setting["kind"]
    expected = str(setting["expected"])
    if setting.get("offable") and value == "off":
        return None
    if kind == "switch":
        return None if isinstance(value, bool) else "true or false"
    if isinstance(value, bool):
        return expected
    if kind in ("integer", "long"):
        return None if isinstance(value, int) else expected
    if kind == "number":
        ok = isinstance(value, (int, float)) and math.isfinite(value)
        return None if ok else expected
    if kind == "choice":
        return None if value in setting.get("choices", ()) else expected
    return expected


class _NotOptions(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _NotOptions(f"{key!r} given twice")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise _NotOptions(f"{name} is not JSON")


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text if len(text) <= 120 else text[:117] + "..."
