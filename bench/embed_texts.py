"""Writes N real texts as JSONL for bench/embed.sh, from Python's standard-library docstrings (as
tools/cli's python_docstrings.py lists them), in name order: each whole docstring, then each of its
paragraphs when it has several; {"id", "text"} per line."""
import json
import sys

docs, n = sys.argv[1], int(sys.argv[2])
out = 0
with open(docs, encoding="utf-8") as f:
    for line in f:
        entry = json.loads(line)
        paragraphs = [p.strip() for p in entry["doc"].split("\n\n") if p.strip()]
        texts = [entry["doc"]] + (paragraphs if len(paragraphs) > 1 else [])
        for k, text in enumerate(texts):
            if out < n:
                print(json.dumps({"id": "%s#%d" % (entry["name"], k), "text": text}, ensure_ascii=False))
                out += 1
if out < n:
    sys.exit("only %d texts, asked %d" % (out, n))
