package dev.quarry.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A running call mines on its request's own (virtual) thread while that leaves a carrier of the virtual-thread
 * scheduler free ({@link CarrierShare}), and on a mining thread otherwise: never on every carrier at once
 * (BusyMiningLeavesRefusalsAnsweredTest checks what that protects, end to end). A share taken is given back
 * whatever the call's end.
 */
class MiningWhereTheRequestRunsTest {

    @Test
    void aCallMinesOnItsVirtualThreadWhileACarrierStaysFree() throws Exception {
        assumeTrue(CarrierShare.CARRIERS >= 2, "one carrier: every call is handed off");
        Admission admission = new Admission(1, 1, 1 << 20);
        int free = CarrierShare.available();
        AtomicReference<Thread> request = new AtomicReference<>();
        AtomicReference<Thread> miner = new AtomicReference<>();
        Thread.ofVirtual().start(() -> {
            try (Admission.Ticket ticket = admission.enter()) {
                request.set(Thread.currentThread());
                miner.set(ticket.run(Thread::currentThread));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }).join();
        assertNotNull(request.get());
        assertSame(request.get(), miner.get(), "mined where the request runs: no hand-off");
        assertEquals(free, CarrierShare.available(), "the share was given back");
        admission.close();
    }

    @Test
    void aCallIsHandedOffWhenMiningWhereItRunsWouldHoldTheLastFreeCarrier() throws Exception {
        Admission admission = new Admission(CarrierShare.CARRIERS + 1, 1, 1 << 20);
        int shares = CarrierShare.CARRIERS - 1;
        CountDownLatch holding = new CountDownLatch(shares);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<?>[] holders = new CompletableFuture<?>[shares];
        for (int i = 0; i < shares; i++) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            holders[i] = done;
            Thread.ofVirtual().start(() -> {
                try (Admission.Ticket ticket = admission.enter()) {
                    ticket.run(() -> {
                        holding.countDown();
                        return release.await(30, TimeUnit.SECONDS);
                    });
                    done.complete(null);
                } catch (Throwable e) {
                    done.completeExceptionally(e);
                }
            });
        }
        assertTrue(holding.await(30, TimeUnit.SECONDS), "every share held by a call mining where it runs");
        assertEquals(0, CarrierShare.available());
        AtomicReference<Thread> miner = new AtomicReference<>();
        AtomicReference<Thread> request = new AtomicReference<>();
        Thread.ofVirtual().start(() -> {
            try (Admission.Ticket ticket = admission.enter()) {
                request.set(Thread.currentThread());
                miner.set(ticket.run(Thread::currentThread));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }).join();
        release.countDown();
        for (CompletableFuture<?> h : holders) {
            h.get(30, TimeUnit.SECONDS);
        }
        assertNotNull(miner.get());
        assertFalse(miner.get().isVirtual(), "handed to a mining thread: " + miner.get());
        assertTrue(miner.get().getName().startsWith("quarry-mine-"), miner.get().getName());
        assertEquals(shares, CarrierShare.available(), "every share given back");
        admission.close();
    }

    @Test
    void aShareIsGivenBackWhenTheCallFails() throws Exception {
        Admission admission = new Admission(1, 1, 1 << 20);
        int free = CarrierShare.available();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread.ofVirtual().start(() -> {
            try (Admission.Ticket ticket = admission.enter()) {
                thrown.set(assertThrows(IllegalArgumentException.class, () -> ticket.run(() -> {
                    throw new IllegalArgumentException("bad anchors");
                })));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }).join();
        assertEquals("bad anchors", thrown.get().getMessage(), "the call's own failure, not a wrapper");
        assertEquals(free, CarrierShare.available());
        admission.close();
    }

    @Test
    void aPlatformThreadMinesWhereItRunsAndTakesNoShare() throws Exception {
        Admission admission = new Admission(1, 1, 1 << 20);
        int free = CarrierShare.available();
        try (Admission.Ticket ticket = admission.enter()) {
            assertSame(Thread.currentThread(), ticket.run(() -> {
                assertEquals(free, CarrierShare.available(), "a platform thread holds no carrier");
                return Thread.currentThread();
            }));
        }
        admission.close();
    }
}
