package com.gad.stats.cache;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import com.gad.stats.auth.Roles;
import com.gad.stats.support.Api;
import com.gad.stats.support.LocalServicesResource;
import com.gad.stats.support.RedisProbe;
import com.gad.stats.support.TestData;
import com.gad.stats.support.Tokens;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.config.HttpClientConfig;
import io.restassured.config.RestAssuredConfig;

@QuarkusTest
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
public class CacheAdminResourceTest {

    static final List<String> OUTSIDE = List.of("other:stats:v1:{u1}:d30", "gadx:1", "gad", "ga:1", "GAD:1", "xgad:1");

    static String admin() {
        return Tokens.forUser(TestData.user(3), Roles.ADMIN);
    }

    static void plantOutsideKeys() {
        for (String key : OUTSIDE) {
            RedisProbe.call("SET", key, "keep");
        }
    }

    static void assertOutsideKeysSurvive() {
        for (String key : OUTSIDE) {
            assertEquals("keep", RedisProbe.string("GET", key), key + " is outside the prefix");
        }
    }

    @Test
    void statsReportRedisAndServiceFigures() {
        long user = TestData.user(1);
        Api.getStats(Tokens.forUser(user, Roles.EFECTIVO), user, null).statusCode(200);
        given().auth().oauth2(Tokens.forUser(TestData.user(2), Roles.SUPERVISOR))
                .when().get("/api/v1/cache/stats").then()
                .statusCode(200)
                .body("connected", is(true))
                .body("keys_count", greaterThanOrEqualTo(1))
                .body("keyspace_hits", notNullValue())
                .body("keyspace_misses", notNullValue())
                .body("hit_rate", notNullValue())
                .body("evicted_keys", is(0))
                .body("prefix", is("gad:"))
                .body("service.misses", greaterThanOrEqualTo(1))
                .body("service.hit_rate", notNullValue());
    }

    @Test
    void rolesOnEveryAdminEndpoint() {
        String efectivo = Tokens.forUser(TestData.user(1), Roles.EFECTIVO);
        String supervisor = Tokens.forUser(TestData.user(2), Roles.SUPERVISOR);
        given().auth().oauth2(efectivo).when().get("/api/v1/cache/stats").then().statusCode(403);
        for (String path : List.of("/api/v1/cache/invalidate/stats:x", "/api/v1/cache/invalidate-pattern/stats:*", "/api/v1/cache/clear")) {
            given().auth().oauth2(efectivo).when().post(path).then().statusCode(403).contentType("application/problem+json");
            given().auth().oauth2(supervisor).when().post(path).then().statusCode(403);
            given().when().post(path).then().statusCode(401);
        }
    }

    @Test
    void invalidateKeyDeletesOneKeyUnderThePrefix() {
        RedisProbe.call("SET", "gad:stats:v1:{u77}:d30", "v");
        RedisProbe.call("SET", "stats:v1:{u77}:d30", "keep");
        given().auth().oauth2(admin()).urlEncodingEnabled(false).when().post("/api/v1/cache/invalidate/stats:v1:%7Bu77%7D:d30").then()
                .statusCode(200).body("deleted", is(1)).body("key", is("gad:stats:v1:{u77}:d30"));
        assertNull(RedisProbe.call("GET", "gad:stats:v1:{u77}:d30"));
        assertEquals("keep", RedisProbe.string("GET", "stats:v1:{u77}:d30"));
    }

    @Test
    void argumentsCannotLeaveThePrefix() {
        plantOutsideKeys();
        String admin = admin();
        for (String bad : List.of("..", "..:x", "a%5Cb", "a%5Bb%5D", "%2F..%2Fother", "..%2Fother", "a%20b", "x%0D%0AFLUSHALL", "%2A%00")) {
            given().auth().oauth2(admin).urlEncodingEnabled(false).when().post("/api/v1/cache/invalidate-pattern/" + bad)
                    .then().statusCode(org.hamcrest.Matchers.anyOf(is(400), is(404), is(405)));
            given().auth().oauth2(admin).urlEncodingEnabled(false).when().post("/api/v1/cache/invalidate/" + bad)
                    .then().statusCode(org.hamcrest.Matchers.anyOf(is(400), is(404), is(405)));
        }
        // "*" alone is everything under the prefix, and only that
        RedisProbe.call("SET", "gad:stats:v1:{u88}:d30", "v");
        given().auth().oauth2(admin).when().post("/api/v1/cache/invalidate-pattern/*").then().statusCode(200)
                .body("deleted", greaterThanOrEqualTo(1)).body("pattern", is("gad:*"));
        assertNull(RedisProbe.call("GET", "gad:stats:v1:{u88}:d30"));
        assertOutsideKeysSurvive();
    }

    @Test
    void invalidatePatternDeletesOnlyMatchingKeys() {
        RedisProbe.call("SET", "gad:stats:v1:{u99}:d7", "v");
        RedisProbe.call("SET", "gad:stats:v1:{u99}:d30", "v");
        RedisProbe.call("SET", "gad:stats:v1:{u100}:d30", "v");
        given().auth().oauth2(admin()).urlEncodingEnabled(false).when().post("/api/v1/cache/invalidate-pattern/stats:v1:%7Bu99%7D:*").then()
                .statusCode(200).body("deleted", is(2));
        assertNotNull(RedisProbe.call("GET", "gad:stats:v1:{u100}:d30"));
    }

    @Test
    void clearOnOneHundredThousandKeysKeepsRedisResponsiveAndSparesOtherKeys() throws Exception {
        plantOutsideKeys();
        int planted = 100_000;
        pipelineSet("gad:bulk:", planted);
        pipelineSet("bulk-outside:", 1_000);
        String admin = admin();
        RestAssuredConfig patient = RestAssuredConfig.config().httpClient(HttpClientConfig.httpClientConfig()
                .setParam("http.socket.timeout", 120_000));

        given().config(patient).auth().oauth2(admin).when().get("/api/v1/cache/stats").then()
                .statusCode(200).body("keys_count", greaterThanOrEqualTo(planted));

        // another client keeps being answered while clear runs: record the slowest PING
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong slowestPingNanos = new AtomicLong();
        AtomicLong pings = new AtomicLong();
        Thread pinger = new Thread(() -> {
            while (running.get()) {
                long start = System.nanoTime();
                RedisProbe.call("PING");
                slowestPingNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
                pings.incrementAndGet();
            }
        });
        pinger.start();
        long deleted = given().config(patient).auth().oauth2(admin).when().post("/api/v1/cache/clear").then()
                .statusCode(200).body("prefix", is("gad:")).extract().jsonPath().getLong("deleted");
        running.set(false);
        pinger.join();

        assertTrue(deleted >= planted, "deleted " + deleted);
        assertEquals(0L, RedisProbe.call("EXISTS", "gad:bulk:1"));
        assertEquals(1_000L, (Long) RedisProbe.call("EVAL",
                "return #redis.call('KEYS', 'bulk-outside:*')", "0"));
        assertOutsideKeysSurvive();
        assertTrue(pings.get() > 1, "PINGs answered during clear: " + pings.get());
        // a liveness bound, not a speed target: no single command may block Redis for a second
        assertTrue(slowestPingNanos.get() < 1_000_000_000L, "slowest PING " + slowestPingNanos.get() / 1_000_000 + " ms");
        System.out.printf("clear: %d keys deleted, %d PINGs answered meanwhile, slowest %.1f ms%n", deleted, pings.get(),
                slowestPingNanos.get() / 1e6);
    }

    /** Writes {@code count} keys with one pipelined connection. */
    static void pipelineSet(String prefix, int count) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", LocalServicesResource.redis().port())) {
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            for (int i = 0; i < count; i++) {
                String key = prefix + i;
                batch.write(("*3\r\n$3\r\nSET\r\n$" + key.length() + "\r\n" + key + "\r\n$1\r\nv\r\n").getBytes(StandardCharsets.US_ASCII));
                if (batch.size() > 64_000 || i == count - 1) {
                    out.write(batch.toByteArray());
                    out.flush();
                    batch.reset();
                }
            }
            for (int i = 0; i < count; i++) {
                // each reply is "+OK\r\n"
                in.readNBytes(5);
            }
        }
    }
}
