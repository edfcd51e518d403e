package com.gad.stats.health;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

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

/**
 * PostgreSQL down or resetting connections, through the proxy the tests own in front of it:
 * cached answers still served, uncached ones 503 with Retry-After (never 500), readiness UP with
 * the database reported down, DOWN only when the cache cannot answer either; liveness UP.
 */
@QuarkusTest
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
public class DatabaseOutageTest {

    @AfterEach
    void heal() {
        Api.healBackends();
    }

    /**
     * The fault happened: PostgreSQL cannot be reached through the proxy any more. Asked as a client
     * starts (an SSLRequest, to which PostgreSQL always answers one byte), nothing answers: the
     * connection is refused, reset, or closed unanswered.
     */
    static void assertDatabaseUnreachable() {
        int answer;
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), LocalServicesResource.postgresProxy().port())) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write(ByteBuffer.allocate(8).putInt(8).putInt(80877103).array());
            answer = socket.getInputStream().read();
        } catch (IOException refusedOrReset) {
            return;
        }
        assertEquals(-1, answer, "PostgreSQL answered through the cut proxy");
    }

    static void assertUnavailable(io.restassured.response.ValidatableResponse answer) {
        answer.statusCode(503)
                .contentType("application/problem+json")
                .header("Retry-After", is("5"))
                .body("status", is(503))
                .body("detail", is("The database is unavailable; retry later"));
    }

    @Test
    void withoutPostgresCachedAnswersAreServedAndReadinessStaysUp() {
        long cached = TestData.user(1);
        TestData.task(cached, "finalizada", Duration.ofHours(2));
        long cold = TestData.user(1);
        TestData.task(cold, "finalizada", Duration.ofHours(2));
        Api.awaitChangesApplied();
        String cachedToken = Tokens.forUser(cached, Roles.EFECTIVO);
        String coldToken = Tokens.forUser(cold, Roles.EFECTIVO);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> Api.getStats(cachedToken, cached, null).statusCode(200).extract().<Boolean> path("_cache.hit"));

        LocalServicesResource.postgresProxy().cut();
        assertDatabaseUnreachable();

        for (int i = 0; i < 5; i++) {
            Api.getStats(cachedToken, cached, null).statusCode(200).body("total", is(1)).body("_cache.hit", is(true));
        }
        assertUnavailable(Api.getStats(coldToken, cold, null));
        assertUnavailable(Api.getStats(cachedToken, cached, "use_cache=false"));
        assertUnavailable(given().auth().oauth2(coldToken).get("/api/v1/tasks/1").then());
        assertUnavailable(given().contentType("application/json")
                .body("{\"email\":\"" + TestData.email(cold) + "\",\"password\":\"" + TestData.PASSWORD + "\"}")
                .post("/api/v1/auth/login").then());

        given().when().get("/q/health/ready").then()
                .statusCode(200)
                .body("status", is("UP"))
                .body("checks.find { it.name == 'postgresql' }.status", is("UP"))
                .body("checks.find { it.name == 'postgresql' }.data.database", is("down"));
        given().when().get("/q/health/live").then().statusCode(200).body("status", is("UP"));

        // and the cache gone too: this instance can answer nothing, so it is not ready
        LocalServicesResource.redis().stop();
        assertThrows(IOException.class, () -> new Socket(InetAddress.getLoopbackAddress(), LocalServicesResource.redis().port()).close());
        given().when().get("/q/health/ready").then()
                .statusCode(503)
                .body("status", is("DOWN"))
                .body("checks.find { it.name == 'postgresql' }.data.database", is("down"))
                .body("checks.find { it.name == 'redis-cache' }.data.redis", is("down"));
        given().when().get("/q/health/live").then().statusCode(200).body("status", is("UP"));
    }

    @Test
    void aConnectionResetMidQueryIs503Never500() throws Exception {
        long user = TestData.user(1);
        TestData.task(user, "finalizada", Duration.ofHours(2));
        Api.awaitChangesApplied();
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        Api.getStats(token, user, "use_cache=false").statusCode(200);

        // the aggregation's parameters go out in binary: the user id, as 8 bytes, marks its request
        byte[] userIdOnTheWire = ByteBuffer.allocate(Long.BYTES).putLong(user).array();
        CompletableFuture<Void> reset = LocalServicesResource.postgresProxy().resetOnRequestContaining(userIdOnTheWire);

        assertUnavailable(Api.getStats(token, user, "use_cache=false"));
        assertTrue(reset.isDone(), "the connection was reset while the query was in flight");

        // the pool opens a new connection: the next read is answered
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> Api.getStats(token, user, "use_cache=false").statusCode(200).body("total", is(1)));
    }
}
