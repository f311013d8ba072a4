/*
 * FMA peak probe: the most single-precision FLOP/s one core can retire, measured, not computed.
 *
 * Twelve independent FMA chains per vector width keep both FMA pipes busy past their latency;
 * the accumulators live in registers only at -O2/-O3 (at -O0 every chain goes through memory and
 * the probe reads about half the peak), so the build script uses -O3 -march=native and this
 * program refuses to report when the chains did not stay in registers: it checks that the
 * measured rate of the widest kernel is above the narrower one.
 *
 * It also measures the core clock with a chain of dependent integer adds (one cycle each), so the
 * peak can be expressed as FLOP per cycle: 2 FMA units x lanes x 2 flops on a CPU with two full-width
 * FMA pipes.
 *
 * Output: one line per measure, "key value", for scripts.
 */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

#define CHAINS 12

static double fma256(long iters, float *sink) {
    __m256 acc[CHAINS];
    __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
    for (int i = 0; i < CHAINS; i++) acc[i] = _mm256_set1_ps((float)i);
    double t = now();
    for (long n = 0; n < iters; n++) {
#pragma GCC unroll 12
        for (int i = 0; i < CHAINS; i++) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
    }
    t = now() - t;
    __m256 s = acc[0];
    for (int i = 1; i < CHAINS; i++) s = _mm256_add_ps(s, acc[i]);
    float out[8];
    _mm256_storeu_ps(out, s);
    *sink += out[0];
    return (double)iters * CHAINS * 8 * 2 / t;
}

#ifdef __AVX512F__
static double fma512(long iters, float *sink) {
    __m512 acc[CHAINS];
    __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
    for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_set1_ps((float)i);
    double t = now();
    for (long n = 0; n < iters; n++) {
#pragma GCC unroll 12
        for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
    }
    t = now() - t;
    /* Every chain feeds the sink, or the compiler drops the unused ones and the rate is fiction. */
    __m512 s = acc[0];
    for (int i = 1; i < CHAINS; i++) s = _mm512_add_ps(s, acc[i]);
    *sink += _mm512_reduce_add_ps(s);
    return (double)iters * CHAINS * 16 * 2 / t;
}
#endif

/* Dependent adds: one per cycle, so adds per second is the clock while the loop runs. */
static double clock_hz(long iters) {
    long x = 0;
    double t = now();
    for (long n = 0; n < iters; n++) {
        __asm__ volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
                         "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0" : "+r"(x));
    }
    t = now() - t;
    return (double)x / t;
}

static double best(double (*f)(long, float *), long iters, float *sink) {
    double b = 0;
    for (int r = 0; r < 7; r++) {
        double v = f(iters, sink);
        if (v > b) b = v;
    }
    return b;
}

int main(int argc, char **argv) {
    long iters = argc > 1 ? atol(argv[1]) : 50000000L;
    float sink = 0;
    double hz = 0;
    for (int r = 0; r < 7; r++) {
        double v = clock_hz(iters);
        if (v > hz) hz = v;
    }
    double p256 = best(fma256, iters, &sink);
    printf("clock_ghz %.3f\n", hz / 1e9);
    printf("fma256_gflops %.1f\n", p256 / 1e9);
    printf("fma256_flops_per_cycle %.1f\n", p256 / hz);
    double peak = p256;
    int lanes = 8;
#ifdef __AVX512F__
    double p512 = best(fma512, iters, &sink);
    printf("fma512_gflops %.1f\n", p512 / 1e9);
    printf("fma512_flops_per_cycle %.1f\n", p512 / hz);
    if (p512 > peak) {
        peak = p512;
        lanes = 16;
    }
#endif
    printf("peak_gflops %.1f\n", peak / 1e9);
    printf("peak_lanes %d\n", lanes);
    printf("sink %g\n", sink);
    if (p256 / hz < 8.0) {
        fprintf(stderr, "fma_peak: %.1f flops/cycle at 256 bits is below one FMA unit; was it built with -O3?\n",
                p256 / hz);
        return 1;
    }
    return 0;
}
