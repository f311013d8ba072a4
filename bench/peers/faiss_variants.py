"""The names of FAISS's index variants in bench/peers/faiss_sweep.py's build, checked before any work (no numpy, no
FAISS: the bench module's tests run it alone)."""

K = 100
FIXED = ("ivf", "ivf-hnsw", "ivf-sq8", "ivf-hnsw-sq8")


def check_variants(variants, d):
    """Fails before any work on a variant name build does not know (or an ivf-pqfs-M-R whose M does not fit d)."""
    for variant in variants:
        if variant.startswith("ivf-pqfs"):
            pqfs_params(variant, d)
        elif variant not in FIXED:
            raise ValueError(f"variant: {variant}, expected ivf, ivf-hnsw, ivf-sq8, ivf-hnsw-sq8 or ivf-pqfs-M-R")


def pqfs_params(variant, d):
    """(M, R) of an "ivf-pqfs-M-R" variant for d dimensions: M sub-spaces, a number or "dN" for d / N (N dimensions
    each, so one name fits sets of any width N divides), and R candidates rescored in float32."""
    parts = variant.split("-")
    if len(parts) != 4 or not parts[3].isdigit() or int(parts[3]) < K:
        raise ValueError(f"variant: {variant}, expected ivf-pqfs-M-R with M a number or dN and R >= {K}")
    m = parts[2]
    if m.startswith("d") and m[1:].isdigit() and int(m[1:]) > 0 and d % int(m[1:]) == 0:
        m = d // int(m[1:])
    elif m.isdigit() and int(m) > 0 and d % int(m) == 0:
        m = int(m)
    else:
        raise ValueError(f"variant: {variant}, M={m}, expected a number of sub-spaces dividing d={d} or dN with N "
                         f"dividing d")
    return m, int(parts[3])
