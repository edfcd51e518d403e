package com.gad.stats.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import com.gad.stats.auth.service.KeyedRateLimiter;

/** The login rate limiter on a hand-driven clock: exact, no sleeps. */
class KeyedRateLimiterTest {

    static final long MINUTE = Duration.ofMinutes(1).toNanos();

    final AtomicLong clock = new AtomicLong(1_000_000_000_000L);

    @Test
    void aBurstOfPermitsThenOneEveryWindowOverPermits() {
        KeyedRateLimiter limiter = new KeyedRateLimiter(4, Duration.ofMinutes(1), 100, clock::get);
        for (int i = 0; i < 4; i++) {
            assertEquals(0, limiter.acquire("a"), "attempt " + i);
        }
        long wait = limiter.acquire("a");
        assertEquals(MINUTE / 4, wait, "the next attempt is admitted one interval (window/permits) later");
        assertEquals(wait, limiter.acquire("a"), "a refused attempt takes nothing");
        clock.addAndGet(wait - 1);
        assertTrue(limiter.acquire("a") > 0);
        clock.addAndGet(1);
        assertEquals(0, limiter.acquire("a"));
        assertTrue(limiter.acquire("a") > 0);
        // a full window later the whole burst is back, and no more
        clock.addAndGet(MINUTE);
        for (int i = 0; i < 4; i++) {
            assertEquals(0, limiter.acquire("a"));
        }
        assertTrue(limiter.acquire("a") > 0);
    }

    @Test
    void keysAreIndependent() {
        KeyedRateLimiter limiter = new KeyedRateLimiter(1, Duration.ofMinutes(1), 100, clock::get);
        assertEquals(0, limiter.acquire("a"));
        assertTrue(limiter.acquire("a") > 0);
        assertEquals(0, limiter.acquire("b"));
    }

    @Test
    void memoryIsBoundedAndIdleKeysAreDropped() {
        KeyedRateLimiter limiter = new KeyedRateLimiter(2, Duration.ofMinutes(1), 3, clock::get);
        for (String key : List.of("a", "b", "c")) {
            assertEquals(0, limiter.acquire(key));
        }
        // full of active keys: a new key is refused (fail closed) and nothing grows
        assertTrue(limiter.acquire("d") > 0);
        assertEquals(3, limiter.trackedKeys());
        // known keys keep their own limits meanwhile
        assertEquals(0, limiter.acquire("a"));
        // once the keys are idle (fully refilled) they are dropped and new keys fit
        clock.addAndGet(MINUTE);
        assertEquals(0, limiter.acquire("d"));
        assertEquals(1, limiter.trackedKeys());
        for (int i = 0; i < 10_000; i++) {
            limiter.acquire("k" + i);
            assertTrue(limiter.trackedKeys() <= 3);
        }
    }

    @Test
    void concurrentAttemptsNeverExceedThePermits() throws Exception {
        KeyedRateLimiter limiter = new KeyedRateLimiter(50, Duration.ofMinutes(1), 100, clock::get);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                results.add(pool.submit(() -> {
                    start.await();
                    int admitted = 0;
                    for (int i = 0; i < 1_000; i++) {
                        if (limiter.acquire("shared") == 0) {
                            admitted++;
                        }
                    }
                    return admitted;
                }));
            }
            start.countDown();
            int admitted = 0;
            for (Future<Integer> r : results) {
                admitted += r.get(60, TimeUnit.SECONDS);
            }
            assertEquals(50, admitted);
        } finally {
            pool.shutdownNow();
        }
    }
}
