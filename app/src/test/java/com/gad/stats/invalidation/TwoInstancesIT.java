package com.gad.stats.invalidation;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.gad.stats.auth.Roles;
import com.gad.stats.cache.CacheKeys;
import com.gad.stats.support.Api;
import com.gad.stats.support.LocalServicesResource;
import com.gad.stats.support.RedisProbe;
import com.gad.stats.support.TestData;
import com.gad.stats.support.Tokens;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.RestAssured;
import io.restassured.response.ValidatableResponse;

/**
 * Two instances of the packaged service on one PostgreSQL and one Redis: the one Quarkus starts for
 * this test, and a second started here from the same jar with the same configuration. A change
 * made in SQL reaches both, and a write through the API too; either changes the user's generation
 * once in all (counted by Redis itself), whoever hears of it first: the API after its commit, or one
 * of the listeners. The others skip it.
 */
@QuarkusIntegrationTest
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
public class TwoInstancesIT {

    static Process second;
    static int secondPort;
    static File secondLog;

    @BeforeAll
    static void startSecondInstance() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            secondPort = socket.getLocalPort();
        }
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        for (Map.Entry<String, String> entry : LocalServicesResource.config().entrySet()) {
            // as a second replica is deployed: the first created the administrator. Without it nothing
            // uses the database pool before the change listener starts (which once failed that start)
            if (!entry.getKey().startsWith("gad.auth.bootstrap-admin")) {
                command.add("-D" + entry.getKey() + "=" + entry.getValue());
            }
        }
        // its listener straight to PostgreSQL, so that cutting the listener proxy cuts only the first instance's
        command.add("-Dgad.invalidation.url=postgresql://" + LocalServicesResource.postgres().host() + ":"
                + LocalServicesResource.postgres().port() + "/" + LocalServicesResource.postgres().database());
        command.add("-Dquarkus.http.port=" + secondPort);
        command.add("-jar");
        command.add(Path.of("target", "quarkus-app", "quarkus-run.jar").toAbsolutePath().toString());
        secondLog = File.createTempFile("gad-stats-second-instance", ".log");
        second = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(secondLog).start();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> "up".equals(listener(onSecond())));
    }

    @AfterAll
    static void stopSecondInstance() throws InterruptedException {
        if (second != null) {
            second.destroy();
            second.waitFor();
        }
    }

    @AfterEach
    void heal() {
        Api.healBackends();
    }

    static io.restassured.specification.RequestSpecification onSecond() {
        return given().baseUri(RestAssured.baseURI).port(secondPort);
    }

    static ValidatableResponse stats(io.restassured.specification.RequestSpecification instance, String token, long user) {
        return instance.auth().oauth2(token).when().get("/api/v1/stats/user/" + user).then().statusCode(200);
    }

    /** One sample of the instance's /q/metrics: a counter with one label, e.g. ("gad_x_total", "kind=\"y\""). */
    static double sample(io.restassured.specification.RequestSpecification instance, String name, String label) {
        String body = instance.when().get("/q/metrics").then().statusCode(200).extract().asString();
        return body.lines()
                .filter(line -> line.startsWith(name + "{") && line.contains(label))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }

    static double invalidations(io.restassured.specification.RequestSpecification instance) {
        return sample(instance, "gad_invalidation_invalidations_total", "result=\"ok\"");
    }

    /** Notified user invalidations this instance made or skipped (already made for their transaction). */
    static double handled(io.restassured.specification.RequestSpecification instance) {
        return invalidations(instance) + sample(instance, "gad_invalidation_invalidations_total", "result=\"skipped\"");
    }

    static String generationKey(long user) {
        return "gad:gen:" + CacheKeys.FORMAT_VERSION + ":{u" + user + "}";
    }

    static String listener(io.restassured.specification.RequestSpecification instance) {
        return instance.when().get("/q/health/ready").then().extract().jsonPath()
                .getString("checks.find { it.name == 'database-invalidation' }.data.listener");
    }

    @Test
    void aChangeMadeInSqlReachesBothInstancesAndChangesTheGenerationOnce() {
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        stats(given(), token, user).body("total", is(0));
        stats(given(), token, user).body("total", is(0)).body("_cache.hit", is(true));
        stats(onSecond(), token, user).body("total", is(0)).body("_cache.hit", is(true)); // one shared Redis
        double first = handled(given());
        double other = handled(onSecond());
        double changedBefore = invalidations(given()) + invalidations(onSecond());

        try (RedisProbe.KeySets generationSets = new RedisProbe.KeySets(generationKey(user))) {
            TestData.task(user, "programada", Duration.ofHours(1));

            // the event: both listeners have handled the notification
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                    .until(() -> handled(given()) == first + 1 && handled(onSecond()) == other + 1);
            assertEquals(1, generationSets.count(), "one generation change for the two instances");
            assertEquals(changedBefore + 1, invalidations(given()) + invalidations(onSecond()), "made by one listener");
        }
        stats(given(), token, user).body("total", is(1));
        stats(onSecond(), token, user).body("total", is(1));
    }

    /** The API invalidates after its commit; both listeners hear of the same transaction and skip it. */
    @Test
    void aWriteThroughTheApiChangesTheGenerationOnceWhateverTheInstances() {
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        String staff = Tokens.forUser(TestData.user(2), Roles.SUPERVISOR);
        stats(given(), token, user).body("total", is(0));
        stats(onSecond(), token, user).body("total", is(0)).body("_cache.hit", is(true));
        double first = handled(given());
        double other = handled(onSecond());

        try (RedisProbe.KeySets generationSets = new RedisProbe.KeySets(generationKey(user))) {
            given().auth().oauth2(staff).contentType("application/json")
                    .body("{\"titulo\":\"t\",\"tipo\":\"patrullaje\",\"delegado_usuario_id\":" + user + "}")
                    .when().post("/api/v1/tasks").then().statusCode(201);
            assertEquals(1, generationSets.count(), "invalidated before the answer");

            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                    .until(() -> handled(given()) == first + 1 && handled(onSecond()) == other + 1);
            assertEquals(1, generationSets.count(), "both listeners skipped the transaction");
        }
        stats(onSecond(), token, user).body("total", is(1)).body("_cache.reason", is("stale"));
        stats(given(), token, user).body("total", is(1)).body("_cache.hit", is(true));
    }

    /**
     * The first instance stops listening, then listens again: it makes everything cached before
     * stale for itself and tells the second, which adopts its epoch (so both agree on which values
     * are current).
     */
    @Test
    void anInstanceBackFromAListenerOutageTellsTheOtherItsNewEpoch() {
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        stats(given(), token, user).body("total", is(0));
        stats(onSecond(), token, user).body("total", is(0)).body("_cache.hit", is(true));
        double epochs = sample(onSecond(), "gad_invalidation_notifications_total", "kind=\"epoch\"");

        LocalServicesResource.listenerProxy().cut();
        await().atMost(Duration.ofSeconds(20)).until(() -> "down".equals(listener(given())));
        assertEquals("up", listener(onSecond()), "the second instance kept listening");
        LocalServicesResource.listenerProxy().restore();

        await().atMost(Duration.ofSeconds(20))
                .until(() -> sample(onSecond(), "gad_invalidation_notifications_total", "kind=\"epoch\"") > epochs);
        stats(onSecond(), token, user).body("total", is(0)).body("_cache.hit", is(false)).body("_cache.reason", is("stale"));
        stats(onSecond(), token, user).body("_cache.hit", is(true));
        stats(given(), token, user).body("_cache.hit", is(true)); // the value the second stored is current for the first
    }
}
