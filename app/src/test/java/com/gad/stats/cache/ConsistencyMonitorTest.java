package com.gad.stats.cache;

import static com.gad.stats.support.Api.getStats;
import static com.gad.stats.support.Api.metric;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.gad.stats.auth.Roles;
import com.gad.stats.security.LogCapture;
import com.gad.stats.support.Api;
import com.gad.stats.support.LocalServicesResource;
import com.gad.stats.support.RedisProbe;
import com.gad.stats.support.TestData;
import com.gad.stats.support.Tokens;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The consistency monitor against real Redis and PostgreSQL, with every production setting as
 * shipped (the staleness bound, deadlines, breaker) except the sampling share.
 *
 * <p>Each test waits for the monitor's checks to finish (the pending gauge back at 0, or the
 * counter moving) within an overall bound, never for a fixed time.
 */
@QuarkusTest
@TestProfile(ConsistencyMonitorTest.EveryInvalidation.class)
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
public class ConsistencyMonitorTest {

    /**
     * The sampling share at 1 instead of the shipped 1 %: it is the share of invalidations looked
     * at, not a deadline or a limit, and at 1 % a test would need a hundred invalidations to see
     * one check. What a check does and when is unchanged.
     */
    public static class EveryInvalidation implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gad.cache.consistency-sample", "1.0");
        }
    }

    static final String CONSISTENT = "gad_cache_consistency_checks_total{result=\"consistent\"}";
    static final String INCONSISTENT = "gad_cache_consistency_checks_total{result=\"inconsistent\"}";
    static final String SKIPPED = "gad_cache_consistency_checks_total{result=\"skipped\"}";
    static final String PENDING = "gad_cache_consistency_checks_pending";
    static final String AGGREGATIONS = "gad_stats_aggregation_seconds_count";
    /** A first look, and a second one after another bound, on a busy machine. */
    static final Duration CHECKS_DONE = ConsistencyMonitor.CHECK_AFTER.multipliedBy(2).plusSeconds(20);

    private final ObjectMapper mapper = new ObjectMapper();

    /** A user with tasks the service was not told about (no invalidation, so no check, from the setup). */
    record Reader(long id, String token) {
        static Reader withTasks() {
            long id = TestData.user(1);
            TestData.unnotified(() -> {
                TestData.task(id, "finalizada", Duration.ofDays(2), Duration.ofHours(1), Duration.ofHours(3), false);
                TestData.task(id, "en_curso", Duration.ofDays(1));
            });
            return new Reader(id, Tokens.forUser(id, Roles.EFECTIVO));
        }

        void invalidate() {
            given().auth().oauth2(token).when().post("/api/v1/stats/invalidate/user/" + id).then().statusCode(200);
        }
    }

    @Test
    void aCorrectlyInvalidatedValueIsCountedConsistent() {
        Reader reader = Reader.withTasks();
        getStats(reader.token(), reader.id(), null).statusCode(200);
        awaitNoCheckPending();
        double consistent = metric(CONSISTENT);
        double inconsistent = metric(INCONSISTENT);
        double skipped = metric(SKIPPED);

        reader.invalidate();
        assertTrue(metric(PENDING) >= 1, "the invalidation was sampled");
        // refilled under the new generation: the check finds a value to compare, not an absent one
        getStats(reader.token(), reader.id(), null).statusCode(200).body("_cache.hit", is(false)).body("total", is(2));
        String generation = RedisProbe.string("GET", generationKey(reader.id()));

        awaitNoCheckPending();
        assertEquals(consistent + 1, metric(CONSISTENT));
        assertEquals(inconsistent, metric(INCONSISTENT));
        assertEquals(skipped, metric(SKIPPED));
        // what was checked was a value being served, still there
        assertEquals(generation, RedisProbe.string("GET", generationKey(reader.id())));
        assertEquals(1L, RedisProbe.integer("EXISTS", Api.statsKey(reader.id(), 30)));
    }

    /** A lost invalidation: after the sample, a wrong value is written under the user's current generation. */
    @Test
    void aWrongValueStillServedAfterTheBoundIsCountedAndLogged() throws Exception {
        Reader reader = Reader.withTasks();
        awaitNoCheckPending();
        double consistent = metric(CONSISTENT);
        double inconsistent = metric(INCONSISTENT);

        try (LogCapture logs = LogCapture.start()) {
            int mark = logs.mark();
            reader.invalidate();
            assertTrue(metric(PENDING) >= 1, "the invalidation was sampled");
            getStats(reader.token(), reader.id(), null).statusCode(200).body("total", is(2));

            String valueKey = Api.statsKey(reader.id(), 30);
            CacheCodec codec = new CacheCodec();
            CacheCodec.Envelope stored = codec.decode((byte[]) RedisProbe.call("GET", valueKey)).orElseThrow();
            ObjectNode wrong = (ObjectNode) mapper.readTree(stored.json());
            wrong.put("total", 7);
            byte[] wrongValue = codec.encode(stored.generation(), stored.epoch(), mapper.writeValueAsBytes(wrong));
            assertEquals("OK", RedisProbe.string("SET", valueKey, wrongValue, "KEEPTTL"));
            // the fault is in place: the wrong value, under the current generation, is what is served
            assertEquals(stored.generation(), RedisProbe.string("GET", generationKey(reader.id())));
            assertArrayEquals(wrongValue, (byte[]) RedisProbe.call("GET", valueKey));
            getStats(reader.token(), reader.id(), null).statusCode(200).body("_cache.hit", is(true)).body("total", is(7));

            await().atMost(CHECKS_DONE).pollInterval(Duration.ofMillis(200))
                    .until(() -> metric(INCONSISTENT) > inconsistent);
            assertEquals(inconsistent + 1, metric(INCONSISTENT));
            assertEquals(consistent, metric(CONSISTENT));
            List<String> warnings = logs.since(mark).stream()
                    .filter(line -> line.startsWith("WARN ") && line.contains("cache inconsistent"))
                    .toList();
            assertEquals(1, warnings.size(), String.join("\n", logs.since(mark)));
            String warning = warnings.get(0);
            assertTrue(warning.contains("key=" + valueKey) && warning.contains("user=" + reader.id()), warning);
            assertTrue(warning.matches("(?s).*cached_age_ms=\\d+ database_read_age_ms=\\d+.*"), warning);
        }
    }

    /**
     * A write after the sampled invalidation, whose own invalidation lands within the bound: the
     * database is newer than the correctly invalidated cache for a while, which is no inconsistency.
     */
    @Test
    void aWriteWhoseInvalidationLandsWithinTheBoundIsNoInconsistency() {
        Reader reader = Reader.withTasks();
        awaitNoCheckPending();
        double consistent = metric(CONSISTENT);
        double inconsistent = metric(INCONSISTENT);

        reader.invalidate();
        getStats(reader.token(), reader.id(), null).statusCode(200).body("total", is(2));
        // the write, not yet invalidated when the monitor first looks
        TestData.unnotified(() -> TestData.task(reader.id(), "programada", Duration.ofHours(1)));
        double aggregations = metric(AGGREGATIONS);
        // the monitor's first look recomputes the figures (3 tasks against the cached 2) ...
        await().atMost(CHECKS_DONE).pollInterval(Duration.ofMillis(50))
                .until(() -> metric(AGGREGATIONS) > aggregations);
        assertEquals(consistent, metric(CONSISTENT), "the first look found a difference and waits another bound");
        // ... and the write's invalidation arrives before its second look
        reader.invalidate();

        awaitNoCheckPending();
        // the first check, and the one sampled from the write's invalidation
        assertEquals(consistent + 2, metric(CONSISTENT));
        assertEquals(inconsistent, metric(INCONSISTENT));
    }

    private static void awaitNoCheckPending() {
        await().atMost(CHECKS_DONE).pollInterval(Duration.ofMillis(200)).until(() -> metric(PENDING) == 0);
    }

    private static String generationKey(long userId) {
        return "gad:gen:" + CacheKeys.FORMAT_VERSION + ":{u" + userId + "}";
    }
}
