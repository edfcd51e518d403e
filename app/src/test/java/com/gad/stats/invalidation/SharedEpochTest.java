package com.gad.stats.invalidation;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.gad.stats.cache.CacheEpoch;
import com.gad.stats.support.LocalServicesResource;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * The cache epoch is one counter in PostgreSQL that every instance shares (migration V4), never a
 * host's clock. Two instances are modelled by two epochs over the service's real pool: whatever
 * either has done before, an advance on one yields a number above every epoch the other used, so
 * the other's values read as stale once it hears of it. No clock is read anywhere on the way,
 * so a host 30 s ahead or behind changes nothing (the previous design took the host's clock in
 * milliseconds: a host 30 s behind advanced to numbers below another's, leaving its values current).
 */
@QuarkusTest
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
public class SharedEpochTest {

    private static final Duration ROUND_TRIP = Duration.ofSeconds(10);

    @Inject
    Pool pool;

    @AfterEach
    void heal() {
        LocalServicesResource.postgresProxy().restore();
    }

    @Test
    void anAdvanceOnOneInstanceMakesEveryValueAnotherWroteStale() {
        CacheEpoch epochOfA = new CacheEpoch();
        CacheEpoch epochOfB = new CacheEpoch();
        EpochFullInvalidation a = new EpochFullInvalidation(epochOfA, pool);
        EpochFullInvalidation b = new EpochFullInvalidation(epochOfB, pool);
        assertFalse(epochOfA.trusted(), "nothing cached is served before the shared epoch is read");
        a.readAtStart(null);
        await().atMost(ROUND_TRIP).until(epochOfA::trusted);

        // B starts later and advances many times (a busy instance: the old design's "clock ahead")
        b.readAtStart(null);
        await().atMost(ROUND_TRIP).until(epochOfB::trusted);
        for (int i = 0; i < 5; i++) {
            b.owe();
            b.invalidateEverything().await().atMost(ROUND_TRIP);
        }
        long writtenByB = epochOfB.current();
        assertTrue(writtenByB > epochOfA.current(), "A has not heard of B's advances");

        // A, which has heard nothing since its start, advances once
        long advancedByA = a.invalidateEverything().await().atMost(ROUND_TRIP).orElseThrow();

        assertTrue(advancedByA > writtenByB, "A's advance " + advancedByA + " is above B's epoch " + writtenByB);
        b.adoptEpoch(advancedByA); // the epoch channel
        assertTrue(writtenByB < epochOfB.current(), "B's values read as stale on B");
        assertTrue(writtenByB < epochOfA.current(), "and on A");
    }

    @Test
    void anAdvanceThatCannotBeTakenLeavesNothingCachedServed() {
        CacheEpoch epoch = new CacheEpoch();
        EpochFullInvalidation instance = new EpochFullInvalidation(epoch, pool);
        instance.readAtStart(null);
        await().atMost(ROUND_TRIP).until(epoch::trusted);
        long before = epoch.current();

        LocalServicesResource.postgresProxy().cut();
        instance.owe();
        assertFalse(epoch.trusted(), "owed: untrusted at once");
        assertThrows(RuntimeException.class, () -> instance.invalidateEverything().await().atMost(ROUND_TRIP));
        assertFalse(epoch.trusted(), "still owed while PostgreSQL cannot be reached");

        LocalServicesResource.postgresProxy().restore();
        await().atMost(ROUND_TRIP).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> instance.invalidateEverything().await().atMost(ROUND_TRIP).isPresent());
        assertTrue(epoch.trusted(), "trusted again once the advance is taken");
        assertTrue(epoch.current() > before);
    }
}
