package dev.quarry.serve;

import dev.quarry.TestHooks;
import dev.quarry.index.SearchParams;
import dev.quarry.mining.MinedAnchor;
import dev.quarry.mining.MiningConfig;
import dev.quarry.negatives.NegativesStore;
import dev.quarry.negatives.StoredNegatives;
import dev.quarry.pipeline.MiningRequest;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/mine}: anchors (binary or JSON, {@link MineRequestDecoder}) in, their negatives out
 * ({@link MineResponses}), mined from one version of the index ({@link MiningService}), under admission
 * ({@link Admission}: the body read and decoded in a waiting place, then mined in a running slot; 503 with
 * Retry-After past their bounds). Anchors sent with ids are kept in the
 * negatives store, if the server has one. Every answer says where its time went in the server ({@link CallPhases}).
 */
final class MineResource implements HttpService {
    static final String PATH = "/v1/mine";

    private final MiningService service;
    private final Admission admission;
    private final ServerMetrics metrics;
    private final RequestLimits limits;
    private final NegativesStore store;
    private final BodyReader bodies;
    private final TrainingAnchors training;
    /** Whether calls obey the test hooks that hold them (not the warm-up's: RequestWarmUp). */
    private final boolean testHooks;

    MineResource(MiningService service, Admission admission, ServerMetrics metrics, RequestLimits limits,
                 NegativesStore store, TrainingAnchors training, boolean testHooks) {
        this.training = training;
        this.testHooks = testHooks;
        this.service = service;
        this.admission = admission;
        this.metrics = metrics;
        this.limits = limits;
        this.store = store;
        this.bodies = new BodyReader(limits.maxBodyBytes(), limits.bodySecondsPerMiB());
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post(PATH, (req, res) -> mine(req, res).send(res));
    }

    private Answer mine(ServerRequest req, ServerResponse res) throws InterruptedException {
        Admission.Ticket ticket = admission.admit();
        if (ticket == null) {
            // Refused before its body was read: the body is read and dropped (the client then reads its 503, not a
            // reset), and the 503 closes the connection (overloaded).
            bodies.discard(req, res);
            throw overloaded(res);
        }
        try (ticket) {
            long t0 = System.nanoTime();
            CallPhases phases = new CallPhases();
            Map<String, String> query = query(req);
            boolean binaryIn = req.headers().contentType().map(t -> t.mediaType().text().equals(Answer.OCTETS))
                    .orElse(false);
            String format = query.getOrDefault("format", binaryIn ? "binary" : "json");
            if (!format.equals("binary") && !format.equals("json")) {
                throw new BadRequest("format", format, "binary or json");
            }
            // Read and decoded in a waiting place: a slow or stalled upload never holds a running slot.
            byte[] body = bodies.read(req, res, ticket);
            phases.read();
            ServedIndex current = service.current();
            MineRequestDecoder decoder = new MineRequestDecoder(current.corpus().dim(), current.corpus().count(),
                    current.ids(), limits, service.monitor().servedDefaults());
            MineRequest request = binaryIn ? decoder.binary(body, query) : decoder.json(body, query);
            if (request.anchorIds() != null) {
                HeldOutSet heldout = service.monitor().heldout();
                String shared = heldout == null ? null : heldout.firstShared(request.anchorIds());
                if (shared != null) {
                    throw new BadRequest("anchor_ids", shared, "training anchors that are not held-out queries ("
                            + shared + " is one of " + heldout.qrelsFile().getFileName() + ": training on it would"
                            + " hide from the held-out recall what training does to unseen queries)");
                }
                training.add(request.anchorIds());
            }
            MiningConfig config = MiningConfig.of(request.options());
            SearchParams search = MiningRequest.search(service.search(), request.options());
            phases.decoded();
            if (!ticket.awaitSlot()) {
                throw overloaded(res);
            }
            phases.slot();
            // Mined on this virtual thread while that leaves a carrier free for other calls' reads and refusals,
            // else on a mining thread (Admission, CarrierShare: CPU-bound work on every carrier would leave the
            // refusals of other calls unanswered while it lasts).
            MiningService.Mined mined = ticket.run(() -> {
                phases.mineStart();
                if (testHooks) {
                    TestHooks.holdMineCall();
                    TestHooks.spinMineCall();
                }
                return service.mine(config, search, (served, miner, params) -> {
                    List<MinedAnchor> anchors = request.count() == 0 ? List.of() : miner.mine(request.anchors(),
                            request.offset(), (long) request.dim() * Float.BYTES, request.count(), request.positives(),
                            params);
                    if (store != null && request.anchorIds() != null) {
                        // Every entry built (and so checked) before the first is written: a request the store
                        // cannot take whole leaves the store as it was.
                        long now = System.currentTimeMillis();
                        List<StoredNegatives> entries = new ArrayList<>(anchors.size());
                        for (MinedAnchor a : anchors) {
                            entries.add(stored(a, served, now));
                        }
                        for (int i = 0; i < anchors.size(); i++) {
                            store.put(request.anchorIds()[anchors.get(i).anchor()], entries.get(i));
                        }
                    }
                    phases.mineEnd();
                    return anchors;
                });
            });
            phases.returned();
            int k = config.numNegatives();
            metrics.mined(request.count(), System.nanoTime() - t0);
            byte[] answer = format.equals("binary") ? MineResponses.binary(mined.anchors(), k)
                    : MineResponses.json(mined.anchors(), mined.ids(), mined.version());
            Map<String, String> headers = Map.of("Quarry-Index-Version", Long.toString(mined.version()),
                    "Quarry-Anchors", Integer.toString(request.count()), "Quarry-Negatives", Integer.toString(k),
                    CallPhases.HEADER, phases.header());
            return new Answer(200, format.equals("binary") ? Answer.OCTETS : Answer.JSON, answer, headers);
        }
    }

    /**
     * The 503 of a call beyond the places or the slots, sent once its body was read; it closes the connection. A
     * refused client retries on a new one after a second, and a flood of refused calls leaves no connection open
     * behind it: kept alive, each held its reading thread and the framework's buffers (about 30 KB of heap) for as
     * long as its client kept it idle (13,332 connections, 400 MB, 40 s after bench/serve-overload.sh's 10 s of
     * overload), so the heap followed the number of clients rather than the calls held.
     */
    private RuntimeException overloaded(ServerResponse res) {
        return BodyReader.answerAndClose(res, ApiError.of(503, "overloaded", admission.draining()
                ? "the server is shutting down" : "the server is at capacity: retry after a second"),
                Map.of("Retry-After", "1"));
    }

    private static StoredNegatives stored(MinedAnchor a, ServedIndex served, long now) {
        String[] ids = new String[a.negatives().length];
        for (int j = 0; j < ids.length; j++) {
            ids[j] = served.ids().id(a.negatives()[j]);
        }
        return new StoredNegatives(ids, a.negativeScores().clone(), served.version(), now);
    }

    /** Query parameters, one value each (a repeated one is refused: which would win is not obvious). */
    private static Map<String, String> query(ServerRequest req) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : req.query().names()) {
            List<String> values = req.query().all(name);
            if (values.size() > 1) {
                throw new BadRequest(name, String.join(",", values), "one value");
            }
            out.put(name, values.isEmpty() ? "" : values.get(0));
        }
        return out;
    }
}
