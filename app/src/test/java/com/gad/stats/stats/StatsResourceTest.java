package com.gad.stats.stats;

import static com.gad.stats.support.Api.awaitChangesApplied;
import static com.gad.stats.support.Api.getStats;
import static com.gad.stats.support.Api.metric;
import static com.gad.stats.support.Api.statsKey;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.gad.stats.cache.CacheKeys;
import com.gad.stats.auth.Roles;
import com.gad.stats.support.LocalServicesResource;
import com.gad.stats.support.RedisProbe;
import com.gad.stats.support.TestData;
import com.gad.stats.support.Tokens;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
public class StatsResourceTest {

    @Test
    void missThenHitStoresTheValueWithItsTtl() {
        long user = TestData.user(1);
        TestData.task(user, "finalizada", Duration.ofDays(1));
        awaitChangesApplied();
        String token = Tokens.forUser(user, Roles.EFECTIVO);

        getStats(token, user, null)
                .statusCode(200)
                .contentType("application/json")
                .body("user_id", is((int) user))
                .body("period_days", is(30))
                .body("total", is(1))
                .body("_cache.hit", is(false))
                .body("_cache.source", is("database"))
                .body("_cache.reason", is("miss"))
                .body("_cache.key", is(statsKey(user, 30)));

        long ttl = RedisProbe.integer("TTL", statsKey(user, 30));
        assertTrue(ttl > 0 && ttl <= 300, "TTL was " + ttl);
        assertNotNull(RedisProbe.call("GET", "gad:gen:" + CacheKeys.FORMAT_VERSION + ":{u" + user + "}"), "the user's generation exists");
        assertEquals(0L, RedisProbe.call("EXISTS", "gad:lock:" + CacheKeys.FORMAT_VERSION + ":{u" + user + "}:stats:d30"), "the write-back released the stampede lock");

        getStats(token, user, null)
                .statusCode(200)
                .body("total", is(1))
                .body("completadas", is(1))
                .body("_cache.hit", is(true))
                .body("_cache.source", is("redis"))
                .body("_cache.reason", nullValue())
                .body("_cache.key", is(statsKey(user, 30)));

        // kept by the near cache: from memory from now on, same body
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> getStats(token, user, null)
                .statusCode(200)
                .body("total", is(1))
                .body("_cache.hit", is(true))
                .body("_cache.source", is("memory"))
                .body("_cache.key", is(statsKey(user, 30))));
    }

    @Test
    void daysIsPartOfTheKey() {
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        getStats(token, user, "days=7").statusCode(200).body("_cache.hit", is(false)).body("period_days", is(7));
        getStats(token, user, "days=30").statusCode(200).body("_cache.hit", is(false));
        getStats(token, user, "days=7").statusCode(200).body("_cache.hit", is(true));
    }

    @Test
    void bypassNeitherReadsNorWritesTheCache() {
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        getStats(token, user, "use_cache=false")
                .statusCode(200)
                .body("_cache.hit", is(false))
                .body("_cache.reason", is("bypass"));
        assertNull(RedisProbe.call("GET", statsKey(user, 30)), "bypass must not write");

        getStats(token, user, null).statusCode(200).body("_cache.reason", is("miss"));
        getStats(token, user, "use_cache=false").statusCode(200).body("_cache.reason", is("bypass"));
    }

    @Test
    void everyFigureMatchesHandComputedData() {
        long user = TestData.user(1);
        long other = TestData.user(1);
        // in the 7-day window:
        TestData.task(user, "finalizada", Duration.ofDays(1), Duration.ofMinutes(5), Duration.ofMinutes(60), false);
        TestData.task(user, "finalizada", Duration.ofDays(2), Duration.ofMinutes(5), Duration.ofMinutes(60), false);
        TestData.task(user, "finalizada", Duration.ofDays(3), Duration.ofMinutes(5), Duration.ofMinutes(80), false);
        TestData.task(user, "finalizada", Duration.ofDays(3)); // no stamps: counted, not in the mean
        TestData.task(user, "en_curso", Duration.ofDays(4), Duration.ofMinutes(1), null, false);
        TestData.task(user, "programada", Duration.ofDays(5));
        TestData.task(user, "programada", Duration.ofDays(6).plusHours(23)); // just inside the window edge
        TestData.task(user, "cancelada", Duration.ofHours(2));
        TestData.task(user, "pausada", Duration.ofHours(1), Duration.ofMinutes(1), null, false);
        // excluded: soft-deleted, outside the window, someone else's
        TestData.task(user, "finalizada", Duration.ofDays(1), Duration.ofMinutes(5), Duration.ofHours(50), true);
        TestData.task(user, "finalizada", Duration.ofDays(7).plusHours(1), Duration.ofMinutes(5), Duration.ofHours(50), false);
        TestData.task(other, "finalizada", Duration.ofDays(1), Duration.ofMinutes(5), Duration.ofHours(50), false);

        // mean of 60, 60, 80 minutes = 66.67 min = 1.1111 h -> 1.11; productivity 4 / 7 = 0.5714 -> 0.57
        getStats(Tokens.forUser(user, Roles.EFECTIVO), user, "days=7&use_cache=false")
                .statusCode(200)
                .body("total", is(9))
                .body("completadas", is(4))
                .body("en_progreso", is(1))
                .body("programadas", is(2))
                .body("canceladas", is(1))
                .body("pausadas", is(1))
                .body("promedio_duracion_horas", is(1.11f))
                .body("productividad_diaria", is(0.57f))
                .body("estados.COMPLETED", is(4))
                .body("estados.IN_PROGRESS", is(1))
                .body("estados.PROGRAMMED", is(2))
                .body("estados.CANCELLED", is(1))
                .body("estados.PAUSED", is(1))
                .body("calculated_at", org.hamcrest.Matchers.matchesPattern(
                        "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z"));

        // the wider window takes the 7-day-old task: 5 completed, mean (60+60+80+3000)/4 min = 13.33 h
        getStats(Tokens.forUser(user, Roles.EFECTIVO), user, "days=30&use_cache=false")
                .statusCode(200)
                .body("total", is(10))
                .body("completadas", is(5))
                .body("promedio_duracion_horas", is(13.33f))
                .body("productividad_diaria", is(0.17f));
    }

    /**
     * Figures are rounded half away from zero on the exact value. Each case is a tie or a value that
     * floating point gets wrong: 1,707 s and 47,433 s average exactly 6.825 h (dividing each by 3600
     * in double before averaging gives 6.8249999... and 6.82); 54 s is 0.015 h (0.01499... in double);
     * 450 s is 0.125 h, exact in binary, where half-even rounding would give 0.12. Productivity:
     * 1 completed over 8 days is 0.125, over 200 days 0.005.
     */
    @ParameterizedTest
    @CsvSource({
            "'1707,47433', 30, 6.83, 0.07",
            "'54',          30, 0.02, 0.03",
            "'450',          8, 0.13, 0.13",
            "'18',         200, 0.01, 0.01",
            "'1,2',         30, 0.0,  0.07",
    })
    void figuresAreRoundedHalfAwayFromZeroOnTheExactValue(String durationsSeconds, int days, float meanHours,
            float perDay) {
        long user = TestData.user(1);
        for (String seconds : durationsSeconds.split(",")) {
            TestData.task(user, "finalizada", Duration.ofHours(2), Duration.ofMinutes(1),
                    Duration.ofSeconds(Long.parseLong(seconds)), false);
        }
        getStats(Tokens.forUser(user, Roles.EFECTIVO), user, "days=" + days + "&use_cache=false")
                .statusCode(200)
                .body("promedio_duracion_horas", is(meanHours))
                .body("productividad_diaria", is(perDay));
    }

    @Test
    void aUserWithoutTasksHasZeroes() {
        long user = TestData.user(1);
        getStats(Tokens.forUser(user, Roles.EFECTIVO), user, null)
                .statusCode(200)
                .body("total", is(0))
                .body("promedio_duracion_horas", is(0.0f))
                .body("productividad_diaria", is(0.0f))
                .body("estados.PAUSED", is(0));
    }

    @ParameterizedTest
    @CsvSource({
            "abc, , userId",
            "0, , userId",
            "-1, , userId",
            "99999999999999999999, , userId",
            "1, days=0, days",
            "1, days=366, days",
            "1, days=-5, days",
            "1, days=ten, days",
            "1, days=1.5, days",
            "1, use_cache=maybe, use_cache",
            "1, days=, days",
            "1, use_cache=, use_cache",
            "1, use_cache=&days=, days" })
    void invalidInputIsA400NamingTheParameter(String userId, String query, String field) {
        long admin = TestData.user(3);
        getStats(Tokens.forUser(admin, Roles.ADMIN), userId, query)
                .statusCode(400)
                .contentType("application/problem+json")
                .body("status", is(400))
                .body("title", notNullValue())
                .body("field", is(field))
                .body("detail", containsString(field));
    }

    @Test
    void noTokenIs401ProblemJson() {
        given().when().get("/api/v1/stats/user/1").then()
                .statusCode(401)
                .contentType("application/problem+json")
                .header("WWW-Authenticate", containsString("Bearer"))
                .body("status", is(401));
    }

    @Test
    void anEfectivoReadsOnlyThemself() {
        long me = TestData.user(1);
        long colleague = TestData.user(1);
        String token = Tokens.forUser(me, Roles.EFECTIVO);
        getStats(token, me, null).statusCode(200);
        getStats(token, colleague, null)
                .statusCode(403)
                .contentType("application/problem+json")
                .body("status", is(403))
                .body("detail", not(containsString(String.valueOf(colleague))));
        // no existence oracle: an unknown id is also 403 for an efectivo
        getStats(token, 987654321L, null).statusCode(403);
    }

    @Test
    void supervisorsAndAdminsReadAnyone() {
        long user = TestData.user(1);
        getStats(Tokens.forUser(TestData.user(2), Roles.SUPERVISOR), user, null).statusCode(200);
        getStats(Tokens.forUser(TestData.user(3), Roles.ADMIN), user, null).statusCode(200);
    }

    @Test
    void unknownUserIs404AndNothingIsCached() {
        long admin = TestData.user(3);
        getStats(Tokens.forUser(admin, Roles.ADMIN), 987654321L, null)
                .statusCode(404)
                .contentType("application/problem+json")
                .body("status", is(404));
        assertNull(RedisProbe.call("GET", statsKey(987654321L, 30)));
    }

    @Test
    void aCorruptCachedValueIsAMissAndIsOverwritten() {
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        getStats(token, user, null).statusCode(200).body("_cache.reason", is("miss"));
        byte[] good = (byte[]) RedisProbe.call("GET", statsKey(user, 30));

        // flip a byte of the JSON body: the checksum no longer matches
        byte[] corrupt = good.clone();
        corrupt[corrupt.length - 3] ^= 0x55;
        RedisProbe.call("SET", statsKey(user, 30), corrupt, "EX", "300");
        firstReadPastNearCache(token, user).statusCode(200).body("_cache.hit", is(false)).body("total", is(0));
        assertNotEquals(new String(corrupt), new String((byte[]) RedisProbe.call("GET", statsKey(user, 30))));
        getStats(token, user, null).statusCode(200).body("_cache.hit", is(true));

        // plain garbage, not even an envelope
        RedisProbe.call("SET", statsKey(user, 30), "garbage{not json", "EX", "300");
        firstReadPastNearCache(token, user).statusCode(200).body("_cache.hit", is(false)).body("total", is(0));
        getStats(token, user, null).statusCode(200).body("_cache.hit", is(true));
    }

    /**
     * The first read of the user's value not answered from the near cache. A value overwritten behind
     * the service's back reaches the near cache through Redis tracking, asynchronously: until the
     * invalidation arrives, reads are still (rightly, within the documented bound) answered from memory.
     */
    private static io.restassured.response.ValidatableResponse firstReadPastNearCache(String token, long user) {
        return await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .until(() -> getStats(token, user, null),
                        read -> !"memory".equals(read.extract().path("_cache.source")));
    }

    @Test
    void invalidationMakesTheNextReadStaleWithNewFigures() {
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        getStats(token, user, null).statusCode(200).body("total", is(0));
        getStats(token, user, null).statusCode(200).body("_cache.hit", is(true));

        // a change the service is not told about (see DatabaseInvalidationTest for those it is told)
        TestData.unnotified(() -> TestData.task(user, "programada", Duration.ofHours(1)));
        getStats(token, user, null).statusCode(200).body("total", is(0)).body("_cache.hit", is(true));

        given().auth().oauth2(token).when().post("/api/v1/stats/invalidate/user/" + user).then()
                .statusCode(200)
                .body("invalidated", is(true));
        getStats(token, user, null).statusCode(200)
                .body("_cache.hit", is(false))
                .body("_cache.reason", is("stale"))
                .body("total", is(1));
        getStats(token, user, null).statusCode(200).body("_cache.hit", is(true)).body("total", is(1));
    }

    @Test
    void onlyTheUserOrAnAdminInvalidates() {
        long user = TestData.user(1);
        given().auth().oauth2(Tokens.forUser(TestData.user(1), Roles.EFECTIVO))
                .when().post("/api/v1/stats/invalidate/user/" + user).then().statusCode(403);
        given().auth().oauth2(Tokens.forUser(TestData.user(2), Roles.SUPERVISOR))
                .when().post("/api/v1/stats/invalidate/user/" + user).then().statusCode(403);
        given().auth().oauth2(Tokens.forUser(TestData.user(3), Roles.ADMIN))
                .when().post("/api/v1/stats/invalidate/user/" + user).then().statusCode(200);
    }

    @Test
    void metricsCountCacheResultsAndAggregationLatency() {
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        double hits = metric("gad_cache_requests_total{result=\"hit\"}");
        double misses = metric("gad_cache_requests_total{result=\"miss\"}");
        double bypasses = metric("gad_cache_requests_total{result=\"bypass\"}");
        double aggregations = metric("gad_stats_aggregation_seconds_count");

        getStats(token, user, null).statusCode(200);
        getStats(token, user, null).statusCode(200);
        getStats(token, user, "use_cache=false").statusCode(200);

        assertEquals(hits + 1, metric("gad_cache_requests_total{result=\"hit\"}"));
        assertEquals(misses + 1, metric("gad_cache_requests_total{result=\"miss\"}"));
        assertEquals(bypasses + 1, metric("gad_cache_requests_total{result=\"bypass\"}"));
        assertEquals(aggregations + 2, metric("gad_stats_aggregation_seconds_count"));
    }
}
