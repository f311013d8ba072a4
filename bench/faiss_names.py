"""The names the reports (latency_report.py, mine_e2e_report.py) give FAISS's index variants
(bench/peers/faiss_sweep.py's build)."""

NAMES = {"flat": "IndexFlatIP", "ivf": "IVFFlat", "ivf-hnsw": "IVF-HNSW32", "ivf-sq8": "IVF-SQ8",
         "ivf-hnsw-sq8": "IVF-HNSW32-SQ8"}

# The order variants are listed in: the fixed ones, then each IVF-PQ fast-scan + refine setting.
ORDER = list(NAMES)


def faiss_name(variant):
    """A report's name for variant: "ivf-pqfs-96-600" is IVF-PQ fast-scan (4 bits) with 96 sub-spaces and the best
    600 rescored ("d4": a quarter of the dimensions), anything unknown its own name."""
    if variant in NAMES:
        return NAMES[variant]
    parts = str(variant).split("-")
    if len(parts) == 4 and parts[:2] == ["ivf", "pqfs"]:
        m = f"d/{parts[2][1:]}" if parts[2].startswith("d") else parts[2]
        return f"IVF-PQfs M{m}+R{parts[3]}"
    return str(variant)


def variant_order(variant):
    """Sort key: the fixed variants in ORDER, then the others by name."""
    return (ORDER.index(variant), "") if variant in ORDER else (len(ORDER), str(variant))
