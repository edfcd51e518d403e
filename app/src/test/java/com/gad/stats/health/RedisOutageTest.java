package com.gad.stats.health;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.is;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.gad.stats.auth.Roles;
import com.gad.stats.support.Api;
import com.gad.stats.support.LocalServicesResource;
import com.gad.stats.support.TestData;
import com.gad.stats.support.Tokens;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Faults in what the tests own: the suite's Redis process (PostgreSQL's: {@link DatabaseOutageTest}). */
@QuarkusTest
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
public class RedisOutageTest {

    @AfterEach
    void heal() {
        com.gad.stats.support.Api.healBackends();
    }

    @Test
    void redisStoppedMidSuiteStillAnswersFromTheDatabase() {
        long user = TestData.user(1);
        TestData.task(user, "finalizada", Duration.ofDays(1));
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        Api.getStats(token, user, null).statusCode(200).body("_cache.reason", is("miss"));
        double errors = Api.metric("gad_cache_requests_total{result=\"error\"}");

        LocalServicesResource.redis().stop();
        for (int i = 0; i < 5; i++) {
            Api.getStats(token, user, null)
                    .statusCode(200)
                    .body("total", is(1))
                    .body("_cache.hit", is(false))
                    .body("_cache.source", is("database"))
                    .body("_cache.reason", is("cache_unavailable"));
        }
        org.junit.jupiter.api.Assertions.assertTrue(
                Api.metric("gad_cache_requests_total{result=\"error\"}") >= errors + 5);

        // readiness stays UP and says Redis is down
        given().when().get("/q/health/ready").then()
                .statusCode(200)
                .body("status", is("UP"))
                .body("checks.find { it.name == 'redis-cache' }.data.redis", is("down"));

        // Redis back, as a new process: a new master to the failover watch. The readiness data names it
        // only once the change is acted on (counted, every cached value owed stale)
        double failovers = Api.metric("gad_invalidation_full_requested_total{reason=\"failover\"}");
        LocalServicesResource.redis().start();
        String restarted = Api.redisRunId();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> restarted.equals(given().when()
                .get("/q/health/ready").then().extract().jsonPath().getString("checks.find { it.name == 'redis-cache' }.data.masters")));
        org.junit.jupiter.api.Assertions.assertTrue(
                Api.metric("gad_invalidation_full_requested_total{reason=\"failover\"}") > failovers,
                "the restarted master was seen and made every cached value stale");

        // values are cached and served again
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> Api
                .getStats(token, user, null).statusCode(200).body("_cache.hit", is(true)));
    }

    @Test
    void readinessAsksRedisItselfNotTheRequestBreaker() {
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        LocalServicesResource.redisProxy().cut();
        for (int i = 0; i < 25; i++) {
            Api.getStats(token, user, null).statusCode(200);
        }
        assertEquals(1.0, Api.metric("gad_cache_circuit_state"), "requests to a cut Redis opened the breaker");
        assertEquals("down", readinessOfRedis().getString("redis"));

        // Redis reachable again, and no request since: the breaker is still open (only requests move
        // it), yet readiness reports Redis as it is, through its own PING
        LocalServicesResource.redisProxy().restore();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(4)).pollInterval(Duration.ofMillis(50))
                .until(() -> "up".equals(readinessOfRedis().getString("redis")));
        assertEquals("open", readinessOfRedis().getString("circuit"));
        assertEquals(1.0, Api.metric("gad_cache_circuit_state"), "readiness probes are not breaker calls");
    }

    @Test
    void readinessAnswersWithinItsDeadlineWhenRedisHangs() {
        LocalServicesResource.redisProxy().delay(5_000);
        long started = System.nanoTime();
        given().when().get("/q/health/ready").then()
                .statusCode(200)
                .body("status", is("UP"))
                .body("checks.find { it.name == 'redis-cache' }.data.redis", is("down"));
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        // deploy/kubernetes gives a readiness probe 2 s: a hung Redis must not make it time out
        assertTrue(tookMillis < 2_000, "readiness took " + tookMillis + " ms with Redis hung");
    }

    private static io.restassured.path.json.JsonPath readinessOfRedis() {
        return given().when().get("/q/health/ready").then().statusCode(200).extract().jsonPath()
                .setRootPath("checks.find { it.name == 'redis-cache' }.data");
    }
}
