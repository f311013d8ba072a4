#!/usr/bin/python3
"""Describes the machine and the run for bench/RESULTS.md: writes RUN_DIR/machine.json.

    machine.py RUN_DIR QUICK RUNS JDK_HOME FORCED_CORETYPE SET...

Reads the probes' output saved in RUN_DIR (fma.txt, fma-after.txt, blas.txt) and the FAISS versions
from results.jsonl; each SET is "name|description|corpus|queries[|fma256]" (fma256: % of peak against
the 256-bit FMA peak).
"""
import json, os, re, subprocess, sys, datetime
run, quick, runs, jdk, forced, sets = (sys.argv[1], sys.argv[2] == "1", int(sys.argv[3]), sys.argv[4], sys.argv[5],
                                       sys.argv[6:])
def kv(path):
    out = {}
    for line in open(path):
        parts = line.split()
        if len(parts) >= 2:
            out[parts[0]] = parts
    return out
fma = kv(os.path.join(run, "fma.txt"))
after = kv(os.path.join(run, "fma-after.txt"))
blas = open(os.path.join(run, "blas.txt")).read()
sgemm, shapes = {}, set()
for m in re.finditer(r"sgemm_gflops threads=(\d+) shape=(\S+) ([0-9.]+)", blas):
    t, value = int(m.group(1)), float(m.group(3))
    sgemm[t] = max(sgemm.get(t, 0), value)  # the practical peak: the best shape
    shapes.add(m.group(2))
lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
cpu = re.search(r"Model name:\s*(.*)", lscpu).group(1).strip()
info = open("/proc/cpuinfo").read()
family, model = re.search(r"cpu family\s*:\s*(\d+)", info), re.search(r"^model\s*:\s*(\d+)", info, re.M)
if family and model:  # virtual machines often hide the full model name; family/model identify the core
    cpu += f" (family {family.group(1)} model {model.group(1)})"
flags = open("/proc/cpuinfo").read()
width = "AVX-512" if " avx512f" in flags else "AVX2" if " avx2" in flags else "SSE"
lanes = int(fma["peak_lanes"][1])
jdk_version = subprocess.run([os.path.join(jdk, "bin", "java"), "-version"], capture_output=True, text=True).stderr.splitlines()[0]
versions = {}
for line in open(os.path.join(run, "results.jsonl")):
    r = json.loads(line)
    if r.get("faiss_version"):
        versions[r["build"]] = f"{r['faiss_version']} {r['build']} ({r.get('simd', '?')})"
openblas = re.search(r"openblas_version (.*)", blas)
core = re.search(r"openblas_corename (.*)", blas)
notes = []
if forced:
    notes.append(f"This machine's environment sets OPENBLAS_CORETYPE={forced}; it was unset for this run, so "
                 f"OpenBLAS used the kernel it picks itself ({core.group(1).strip() if core else '?'}). With "
                 f"{forced} kernels sgemm and FAISS's flat search run at about half the rate.")
membw = {}
if os.path.exists(os.path.join(run, "membw.txt")):
    for m in re.finditer(r"threads (\d+) bytes \d+ read_gbps ([0-9.]+)", open(os.path.join(run, "membw.txt")).read()):
        membw[int(m.group(1))] = float(m.group(2))
machine = {
    "date": datetime.date.today().isoformat(),
    "cpu": cpu, "cores": os.cpu_count(), "vector_width": f"{width}, Quarry's kernels at {lanes * 32}-bit",
    "jdk": jdk_version, "faiss": "; ".join(versions.values()) or "-",
    "openblas": (openblas.group(1).strip() if openblas else "-") + (f", {core.group(1).strip()} kernels" if core else ""),
    "fma_gflops_per_core": float(fma["peak_gflops"][1]),
    "fma_note": f"{fma['clock_ghz'][1]} GHz, {float(fma['peak_gflops'][1]) / float(fma['clock_ghz'][1]):.0f} flops/cycle; "
                f"{after['peak_gflops'][1]} after the run",
    "sgemm_gflops_1t": sgemm.get(1), "sgemm_gflops_2t": sgemm.get(2),
    "sgemm_shape": "best of " + ", ".join(sorted(shapes)) if shapes else "-",
    "memory_read_gbps_1t": membw.get(1), "memory_read_gbps_2t": membw.get(2),
    "runs": runs,
    "datasets": [dict({"name": s.split("|")[0], "description": s.split("|")[1]},
                      **({"fma_gflops_per_core": float(fma["fma256_gflops"][1])} if s.endswith("|fma256") else {}))
                 for s in sets],
    "notes": notes,
}
json.dump(machine, open(os.path.join(run, "machine.json"), "w"), indent=1)
