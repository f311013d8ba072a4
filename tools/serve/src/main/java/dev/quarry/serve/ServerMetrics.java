package dev.quarry.serve;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The service's metrics in Prometheus text (GET /metrics): requests by route and status, the latency
 * of mine calls as a histogram, anchors mined, the admission queue's depth and calls running,
 * refreshes by result, the index version served, and the JVM's memory.
 */
final class ServerMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer mineLatency;
    private final Counter anchors;

    ServerMetrics(Admission admission, MiningService service) {
        mineLatency = Timer.builder("quarry.mine.latency").description("Time of a mine call, admission to answer")
                .publishPercentileHistogram().serviceLevelObjectives(Duration.ofNanos(250_000), Duration.ofNanos(500_000))
                .minimumExpectedValue(Duration.ofNanos(100_000))
                .maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
        new JvmMemoryMetrics().bindTo(registry); // heap in use: what the overload benchmark watches
        anchors = Counter.builder("quarry.mine.anchors").description("Anchors mined").register(registry);
        Gauge.builder("quarry.queue.depth", admission, Admission::waiting)
                .description("Mine calls waiting for a slot").register(registry);
        Gauge.builder("quarry.mine.running", admission, Admission::running)
                .description("Mine calls running").register(registry);
        Gauge.builder("quarry.index.version", service, s -> s.current().version())
                .description("Version of the index served").register(registry);
        FunctionCounter.builder("quarry.refreshes", service, MiningService::refreshes).tag("result", "ok")
                .description("Refreshes swapped in").register(registry);
        FunctionCounter.builder("quarry.refreshes", service, MiningService::refreshFailures).tag("result", "failed")
                .description("Refreshes that failed (the version served stayed)").register(registry);
        Gauge.builder("quarry.refresh.running", service, s -> s.refreshing() ? 1 : 0)
                .description("1 while a refresh builds the next version").register(registry);
        RecallMonitor monitor = service.monitor();
        heldout("quarry.heldout.recall.at10", monitor, VersionRecall::recallAt10, "Held-out recall@10 of the last"
                + " version evaluated (exact search)");
        heldout("quarry.heldout.recall.at100", monitor, VersionRecall::recallAt100, "Held-out recall@100 of the last"
                + " version evaluated (exact search)");
        heldout("quarry.heldout.ndcg.at10", monitor, VersionRecall::ndcgAt10, "Held-out nDCG@10 of the last version"
                + " evaluated (exact search)");
        heldout("quarry.heldout.version", monitor, VersionRecall::version, "Index version the held-out figures are of");
        Gauge.builder("quarry.heldout.best.recall.at10", monitor, m -> m.history().stream()
                        .mapToDouble(VersionRecall::recallAt10).max().orElse(Double.NaN))
                .description("Best held-out recall@10 of any version so far").register(registry);
        heldout("quarry.heldout.recall.drop", monitor, r -> r.drop() ? 1 : 0, "1 when the last version's recall@10"
                + " fell more than --recall-drop below the best version's: " + RecallMonitor.ADVICE);
        Gauge.builder("quarry.heldout.evaluating", monitor, m -> m.evaluating() ? 1 : 0)
                .description("1 while a refreshed version's held-out recall is measured or waits to be (the figures"
                        + " above are then the previous version's)").register(registry);
        FunctionCounter.builder("quarry.heldout.superseded", monitor, RecallMonitor::superseded)
                .description("Versions whose held-out evaluation a newer version superseded before it started")
                .register(registry);
        Gauge.builder("quarry.served.defaults.tightened", monitor, m -> m.tightenedAt() == 0 ? 0 : 1)
                .description("1 once --on-recall-drop tighten switched the options calls leave out to safer ones")
                .register(registry);
    }

    /** A gauge of the last version's held-out figures (NaN before the first). */
    private void heldout(String name, RecallMonitor monitor, java.util.function.ToDoubleFunction<VersionRecall> figure,
                         String description) {
        Gauge.builder(name, monitor, m -> {
            VersionRecall r = m.latest();
            return r == null ? Double.NaN : figure.applyAsDouble(r);
        }).description(description).register(registry);
    }

    /** One request answered. */
    void request(String route, int status) {
        registry.counter("quarry.requests", "route", route, "status", Integer.toString(status)).increment();
    }

    /** One mine call of {@code count} anchors that took {@code nanos}. */
    void mined(int count, long nanos) {
        mineLatency.record(nanos, TimeUnit.NANOSECONDS);
        anchors.increment(count);
    }

    /** The Prometheus text exposition. */
    String scrape() {
        return registry.scrape();
    }
}
