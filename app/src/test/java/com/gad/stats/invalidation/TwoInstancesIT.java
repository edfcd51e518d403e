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
import com.gad.stats.support.Api;
import com.gad.stats.support.LocalServicesResource;
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
 * made in SQL reaches both; each applies it once (one Redis write per affected user and instance).
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
            command.add("-D" + entry.getKey() + "=" + entry.getValue());
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

    static String listener(io.restassured.specification.RequestSpecification instance) {
        return instance.when().get("/q/health/ready").then().extract().jsonPath()
                .getString("checks.find { it.name == 'database-invalidation' }.data.listener");
    }

    @Test
    void aChangeMadeInSqlReachesBothInstancesOnceEach() {
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        stats(given(), token, user).body("total", is(0));
        stats(given(), token, user).body("total", is(0)).body("_cache.hit", is(true));
        stats(onSecond(), token, user).body("total", is(0)).body("_cache.hit", is(true)); // one shared Redis
        double first = Api.metric("gad_invalidation_invalidations_total{result=\"ok\"}");
        double other = invalidations(onSecond());

        TestData.task(user, "programada", Duration.ofHours(1));

        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .untilAsserted(() -> stats(given(), token, user).body("total", is(1)));
        stats(onSecond(), token, user).body("total", is(1));
        await().atMost(Duration.ofSeconds(5)).until(() -> invalidations(onSecond()) == other + 1);
        assertEquals(first + 1, Api.metric("gad_invalidation_invalidations_total{result=\"ok\"}"));
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
