#!/usr/bin/python3
"""Writes the texts of the real sentence-embedding set of bench/realdata.sh: a corpus of dictionary entries
and queries that ask for them by meaning (a reverse dictionary), from two Debian packages unpacked by the
script (nothing else is read).

Corpus: GCIDE (dict-gcide: Webster's Revised Unabridged of 1913 with its supplements and later additions),
every definition, usage quotation and note of every entry, as "headword: text" (about 208,000 texts).
Queries: WordNet 3.0 (wordnet-base) synset definitions, without their words or examples ("a mutual or
reciprocal action; interacting"), of synsets one of whose words is a GCIDE headword; unique, shuffled with
a fixed seed, the first N kept. The other dictionary's wording of a meaning, so a query is never a copy of a
corpus text.

    realdata_texts.py GCIDE_DIR WORDNET_DIR QUERIES OUT_DIR

Writes OUT_DIR/corpus.jsonl and OUT_DIR/queries.jsonl ({"id", "text"}, ids are row numbers),
OUT_DIR/corpus.words (the headword of each corpus row) and OUT_DIR/queries.words (each query's synset words,
tab-separated), each through a temp name and a rename. Counts go to stderr.
"""
import gzip
import json
import os
import random
import re
import sys

SEED = 20261205
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# Every text of a GCIDE entry ends with the tag of its source.
SOURCE_TAG = re.compile(r"\[(?:1913 Webster|WordNet 1\.5|PJC|Webster 1913 Suppl\.|Century Dict\.)[^\]]*\]")
CITATION = re.compile(r"--\s*[A-Z][^.;]*\.?(\s|$)")  # "--Shak." after a quotation
USAGE_LABEL = re.compile(r"\[(Obs|R|Colloq|Archaic|Local|Prov\. Eng|Eng|Scot|U\. S|Slang|Poetic|Rare)[^\]]*\]")
SENSE_NUMBER = re.compile(r"^(\d+\.\s*)?(\([a-z]\)\s*)?")
CROSS_REFERENCE = re.compile(r"^(See|Same as|Alt\. of|pl\. of|of|imp\.)\b")


def b64(s):
    v = 0
    for c in s:
        v = v * 64 + B64.index(c)
    return v


def gcide_entries(directory):
    """(headword, entry text) of each distinct entry of dictd's gcide.index / gcide.dict.dz, in index order."""
    with gzip.open(os.path.join(directory, "gcide.dict.dz"), "rb") as f:  # dictzip is gzip-compatible
        data = f.read()
    seen = set()
    with open(os.path.join(directory, "gcide.index"), encoding="utf-8") as index:
        for line in index:
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 3:
                continue
            span = (b64(fields[1]), b64(fields[2]))
            if span in seen:  # an entry is indexed under each of its forms
                continue
            seen.add(span)
            yield data[span[0]:span[0] + span[1]].decode("utf-8", "replace")


def entry_texts(entry):
    """(headword, texts) of one entry: its first line is 'Word \\pron\\, pos. [etymology]' (the etymology may
    run over several lines); the body's texts are the pieces between source tags."""
    lines = entry.split("\n")
    head = re.match(r"([^\\]+?)\s*\\", lines[0])
    if not head:
        return None, []
    depth, i = 0, 0
    while i < len(lines):  # skip the etymology's bracketed lines
        depth += lines[i].count("[") - lines[i].count("]")
        i += 1
        if depth <= 0:
            break
    texts = []
    for piece in SOURCE_TAG.split("\n".join(lines[i:])):
        if not piece.strip():
            continue
        s = " ".join(piece.split())
        if s.startswith("Syn:") or s.startswith("Syn."):  # word lists, not sentences
            continue
        s = CITATION.sub(" ", s)
        s = USAGE_LABEL.sub("", s)
        s = s.replace("{", "").replace("}", "")
        s = SENSE_NUMBER.sub("", s)
        s = s.removeprefix("Note:").strip()
        s = " ".join(s.split())
        words = len(s.split())
        if words < 3 or (words < 6 and CROSS_REFERENCE.match(s)):  # "See Horse.", "imp. of Fly."
            continue
        texts.append(s)
    return head.group(1).strip().replace('"', "").replace("*", "").replace("`", ""), texts


def wordnet_synsets(directory):
    """(words, definition) of every synset of WordNet's data.{noun,verb,adj,adv}."""
    for pos in ("noun", "verb", "adj", "adv"):
        with open(os.path.join(directory, "data." + pos), encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("  "):  # the licence at the top of each file
                    continue
                fields, _, gloss = line.partition(" | ")
                parts = fields.split()
                count = int(parts[3], 16)
                words = [re.sub(r"\(.*\)$", "", parts[4 + 2 * k]).replace("_", " ") for k in range(count)]
                definition = gloss.split('; "')[0].split('"')[0].strip().rstrip(";").strip()
                if len(definition.split()) >= 3:
                    yield words, definition


def write(path, lines):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for line in lines:
            f.write(line + "\n")
    os.replace(tmp, path)


def main():
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    gcide, wordnet, n_queries, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    corpus, seen = [], set()
    for entry in gcide_entries(gcide):
        word, texts = entry_texts(entry)
        for t in texts:
            text = f"{word}: {t}"
            if text not in seen:
                seen.add(text)
                corpus.append((word, text))
    headwords = {w.lower() for w, _ in corpus}
    queries, seen = [], set()
    for words, definition in wordnet_synsets(wordnet):
        if definition not in seen and any(w.lower() in headwords for w in words):
            seen.add(definition)
            queries.append((words, definition))
    found = len(queries)
    random.Random(SEED).shuffle(queries)
    if n_queries > found:
        raise SystemExit(f"realdata_texts: {n_queries} queries asked, only {found} WordNet definitions qualify")
    queries = queries[:n_queries]
    write(os.path.join(out, "corpus.jsonl"),
          (json.dumps({"id": str(i), "text": t}, ensure_ascii=False) for i, (_, t) in enumerate(corpus)))
    write(os.path.join(out, "corpus.words"), (w for w, _ in corpus))
    write(os.path.join(out, "queries.jsonl"),
          (json.dumps({"id": str(i), "text": d}, ensure_ascii=False) for i, (_, d) in enumerate(queries)))
    write(os.path.join(out, "queries.words"), ("\t".join(ws) for ws, _ in queries))
    print(f"realdata_texts: corpus {len(corpus):,} GCIDE texts ({len(headwords):,} headwords); queries "
          f"{len(queries):,} of {found:,} WordNet definitions whose synset has a GCIDE headword", file=sys.stderr)


if __name__ == "__main__":
    main()
