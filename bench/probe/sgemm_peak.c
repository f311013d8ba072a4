/*
 * SGEMM probe: what single-precision GEMM rate OpenBLAS reaches here, per thread count.
 *
 * FAISS's flat (and IVF coarse) search is one sgemm per tile of queries x corpus rows, so this is
 * the ceiling FAISS can reach through the same libopenblas; compare with fma_peak (the core's peak).
 * The product is C[M,N] = X[M,K] * Y[N,K]^T, row-major, the layout of query and corpus matrices.
 * Shapes: a tall-skinny one (K = 384, an embedding dimension), the square 4096^3 (the classic
 * peak), and FAISS's own tile (2000 queries x 1024 corpus rows x 384, exhaustive_inner_prod_blas).
 *
 * Usage: sgemm_peak [THREADS...]   (default: 1 2);  sgemm_peak --info   (config lines only)
 * Output, for scripts: "openblas_config ...", "openblas_corename ...", then one line per run:
 *   sgemm_gflops threads=T shape=MxNxK GFLOPS
 * Each figure is the median of 5 timed calls after one untimed warm-up call; the product is then
 * checked against a double-precision reference (exit 3 on wrong results).
 */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* OpenBLAS extensions; declared here too in case the cblas.h found is not OpenBLAS's. */
void openblas_set_num_threads(int);
int openblas_get_num_threads(void);
char *openblas_get_config(void);
char *openblas_get_corename(void);

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static float *filled(size_t n, unsigned seed) {
    float *p = malloc(n * sizeof(float));
    if (!p) { fprintf(stderr, "sgemm_peak: out of memory (%zu floats)\n", n); exit(1); }
    for (size_t i = 0; i < n; i++) { seed = seed * 1664525u + 1013904223u; p[i] = (seed >> 8) * (1.0f / 16777216.0f) - 0.5f; }
    return p;
}

#define TIMED 5

/* Worst relative error of 64 sampled entries of C against a double-precision dot product: the
 * kernel OpenBLAS picked must also be right (a forced or misdetected core type can be wrong). */
static double worst_error(const float *x, const float *y, const float *c, int m, int n, int k) {
    double worst = 0;
    for (int s = 0; s < 64; s++) {
        int i = (int)((long)s * 7919 % m), j = (int)((long)s * 104729 % n);
        double dot = 0, mag = 0;
        for (int p = 0; p < k; p++) { dot += (double)x[(size_t)i * k + p] * y[(size_t)j * k + p]; mag += fabs((double)x[(size_t)i * k + p] * y[(size_t)j * k + p]); }
        double err = fabs(dot - c[(size_t)i * n + j]) / (mag > 0 ? mag : 1);
        if (err > worst) worst = err;
    }
    return worst;
}

static double gflops(int m, int n, int k) {
    float *x = filled((size_t)m * k, 1), *y = filled((size_t)n * k, 2), *c = filled((size_t)m * n, 3);
    double t[TIMED];
    for (int r = -1; r < TIMED; r++) {           /* r = -1: warm-up (page faults, thread start) */
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, x, k, y, k, 0.0f, c, n);
        if (r >= 0) t[r] = now() - t0;
    }
    qsort(t, TIMED, sizeof t[0], cmp);
    double err = worst_error(x, y, c, m, n, k);
    if (err > 1e-4) {
        fprintf(stderr, "sgemm_peak: WRONG RESULTS from core %s (relative error %.2g) for %dx%dx%d\n",
                openblas_get_corename(), err, m, n, k);
        exit(3);
    }
    free(x); free(y); free(c);
    return 2.0 * m * n * k / t[TIMED / 2] / 1e9;
}

int main(int argc, char **argv) {
    static const int shapes[][3] = {{4096, 4096, 384}, {4096, 4096, 4096}, {2000, 1024, 384}};
    int defaults[] = {1, 2}, nthreads = argc > 1 ? argc - 1 : 2;
    printf("openblas_config %s\n", openblas_get_config());
    printf("openblas_corename %s\n", openblas_get_corename());
    if (argc > 1 && argv[1][0] == '-') return 0;      /* --info */
    for (int i = 0; i < nthreads; i++) {
        int th = argc > 1 ? atoi(argv[i + 1]) : defaults[i];
        if (th < 1) { fprintf(stderr, "sgemm_peak: bad thread count '%s'\n", argv[i + 1]); return 2; }
        openblas_set_num_threads(th);
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
            printf("sgemm_gflops threads=%d shape=%dx%dx%d %.1f\n", openblas_get_num_threads(), m, n, k, gflops(m, n, k));
            fflush(stdout);
        }
    }
    return 0;
}
