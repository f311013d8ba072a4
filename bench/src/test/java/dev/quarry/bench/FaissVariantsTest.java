package dev.quarry.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FAISS's IVF-PQ fast-scan + refine variant of the sweeps (bench/peers/faiss_sweep.py, "ivf-pqfs-M-R"): its name
 * resolves against the set's width before any work, and the sweep's report names each setting and sets it against
 * Quarry when it is FAISS's fastest.
 */
class FaissVariantsTest {
    @TempDir
    Path dir;

    @Test
    void subSpacesResolveAgainstTheWidth() throws Exception {
        assertEquals(List.of("(96, 600)", "(25, 600)", "(192, 300)"), python("peers", """
                from faiss_variants import pqfs_params
                print(pqfs_params("ivf-pqfs-d4-600", 384))
                print(pqfs_params("ivf-pqfs-d4-600", 100))
                print(pqfs_params("ivf-pqfs-192-300", 384))
                """));
    }

    @Test
    void aNameThatDoesNotFitFailsSayingWhy() throws Exception {
        List<String> out = python("peers", """
                from faiss_variants import check_variants
                for v, d in (("ivf-pqfs-96-600", 100), ("ivf-pqfs-d3-600", 100), ("ivf-pqfs-96", 384),
                             ("ivf-pqfs-96-50", 384), ("ivf-pq", 384), ("ivf,ivf-sq8", 384)):
                    try:
                        check_variants(v.split(","), d)
                        print("accepted", v)
                    except ValueError as e:
                        print(e)
                """);
        assertEquals(List.of(
                "variant: ivf-pqfs-96-600, M=96, expected a number of sub-spaces dividing d=100 or dN with N dividing d",
                "variant: ivf-pqfs-d3-600, M=d3, expected a number of sub-spaces dividing d=100 or dN with N dividing d",
                "variant: ivf-pqfs-96, expected ivf-pqfs-M-R with M a number or dN and R >= 100",
                "variant: ivf-pqfs-96-50, expected ivf-pqfs-M-R with M a number or dN and R >= 100",
                "variant: ivf-pq, expected ivf, ivf-hnsw, ivf-sq8, ivf-hnsw-sq8 or ivf-pqfs-M-R",
                "accepted ivf,ivf-sq8"), out);
    }

    @Test
    void theSweepReportNamesEachSettingAndSetsTheFastestAgainstQuarry() throws Exception {
        Path results = Files.writeString(dir.resolve("results.jsonl"), String.join("\n",
                recall("ivf-pqfs-d4-600", 1, 0.90), recall("ivf-pqfs-d4-600", 2, 0.951),
                recall("ivf", 1, 0.94), recall("ivf", 2, 0.954), recall("ivf-pqfs-96-300", 4, 0.952),
                search("ivf", 2, 20.0), search("ivf-pqfs-d4-600", 2, 10.0), search("ivf-pqfs-96-300", 4, 12.5),
                "{\"engine\": \"quarry\", \"what\": \"mine\", \"set\": \"s\", \"nlist\": 1024, \"nlist_option\": \"1024\","
                        + " \"nprobe\": 2, \"recall\": 0.954, \"anchors\": 200000, \"runs_seconds\": [5.0],"
                        + " \"loads\": [\"load 1.0 1.0 1.0\"]}") + "\n");
        List<String> report = run(List.of("/usr/bin/python3", "mine_e2e_report.py", results.toString(), "test", "0.95"),
                Path.of("."));
        String all = String.join("\n", report);
        assertEquals(List.of("| 1024 | FAISS IVFFlat | 1: 0.940, 2: 0.954 |",
                "| 1024 | FAISS IVF-PQfs M96+R300 | 4: 0.952 |",
                "| 1024 | FAISS IVF-PQfs Md/4+R600 | 1: 0.900, 2: 0.951 |"),
                report.stream().filter(l -> l.startsWith("| 1024 | FAISS")).toList(), all);
        // 200,000 anchors in 10 s is 1.20M a minute; Quarry's 5 s is 2.40M: 2.00x.
        assertTrue(report.contains("| 200,000 | 1024, 2, 0.954 | 2.40M | IVF-PQfs Md/4+R600, 1024, 2, 0.951 | 1.20M "
                + "| 2.00x |"), all);
    }

    @Test
    void theLatencyReportNamesTheVariant() throws Exception {
        Path results = Files.writeString(dir.resolve("latency.jsonl"),
                "{\"set\": \"s/nlist1024\", \"engine\": \"faiss-avx2\", \"what\": \"search\", \"index\": \"ivf\","
                        + " \"variant\": \"ivf-pqfs-d4-600\", \"nlist\": 1024, \"nprobe\": 2, \"recall\": 0.951,"
                        + " \"batch\": 1, \"threads\": 2, \"mode\": \"closed loop\", \"calls\": 10,"
                        + " \"calls_per_s\": 1000.0, \"p50_ms\": 0.5, \"p90_ms\": 0.6, \"p99_ms\": 0.7,"
                        + " \"p999_ms\": 0.8, \"max_ms\": 0.9}\n");
        Path out = dir.resolve("latency.md");
        run(List.of("/usr/bin/python3", "latency_report.py", results.toString(), "test", out.toString(), "0.95"),
                Path.of("."));
        String md = Files.readString(out);
        assertTrue(md.contains("| s/nlist1024 | IVF-PQfs Md/4+R600 | 2 | 0.951 | 1 | 2 | 0.500 / 0.700 / 0.900 |"), md);
        assertTrue(md.contains("IVF-PQfs Md/4+R600 nlist1024, nprobe 2, recall 0.951, 2 thread(s)"), md);
    }

    private static String recall(String variant, int nprobe, double recall) {
        return String.format(java.util.Locale.ROOT, "{\"engine\": \"faiss-avx2\", \"what\": \"recall\", \"set\": \"s\","
                + " \"nlist\": 1024, \"variant\": \"%s\", \"nprobe\": %d, \"recall\": %s}", variant, nprobe, recall);
    }

    private static String search(String variant, int nprobe, double seconds) {
        return String.format(java.util.Locale.ROOT, "{\"engine\": \"faiss-avx2\", \"what\": \"search\", \"set\": \"s\","
                + " \"nlist\": 1024, \"variant\": \"%s\", \"nprobe\": %d, \"recall\": 0.951, \"anchors\": 200000,"
                + " \"omp_threads\": 2, \"blas_threads\": 1, \"runs_seconds\": [%s], \"loads\": [\"load 1.0 1.0 1.0\"],"
                + " \"queries_per_s\": %s}", variant, nprobe, seconds, 200000 / seconds);
    }

    /** Runs a Python snippet with bench/SUBDIR as its working directory (so its modules import). */
    private static List<String> python(String subdir, String code) throws Exception {
        return run(List.of("/usr/bin/python3", "-c", code), Path.of(subdir));
    }

    private static List<String> run(List<String> command, Path cwd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + command);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), command + ":\n" + out);
        return out.lines().toList();
    }
}
