// Memory read bandwidth, for bench/peers.sh: OMP_NUM_THREADS threads each sum their share of a
// 2 GiB array (far beyond the caches) with AVX loads; prints the best of 5 passes in GB/s.
// Build: gcc -O3 -march=native -fopenmp -o membw membw.c; run: OMP_NUM_THREADS=2 ./membw [MiB-of-floats]
#include <stdio.h>
#include <stdlib.h>
#include <omp.h>
#include <immintrin.h>
int main(int argc, char **argv) {
    size_t n = (size_t)(argc > 1 ? atol(argv[1]) : 512) << 20; // floats
    float *a = aligned_alloc(64, n * sizeof(float));
    #pragma omp parallel for
    for (size_t i = 0; i < n; i++) a[i] = (float)(i & 1023);
    double best = 1e30; float sink = 0;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = omp_get_wtime();
        float total = 0;
        #pragma omp parallel reduction(+:total)
        {
            __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
            #pragma omp for
            for (size_t i = 0; i < n; i += 32) {
                s0 = _mm256_add_ps(s0, _mm256_load_ps(a + i));
                s1 = _mm256_add_ps(s1, _mm256_load_ps(a + i + 8));
                s2 = _mm256_add_ps(s2, _mm256_load_ps(a + i + 16));
                s3 = _mm256_add_ps(s3, _mm256_load_ps(a + i + 24));
            }
            float t[8]; _mm256_storeu_ps(t, _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
            for (int j = 0; j < 8; j++) total += t[j];
        }
        double dt = omp_get_wtime() - t0;
        if (dt < best) best = dt;
        sink += total;
    }
    printf("threads %d bytes %zu read_gbps %.1f (sink %g)\n", omp_get_max_threads(), n * 4, n * 4 / best / 1e9, sink);
    return 0;
}
