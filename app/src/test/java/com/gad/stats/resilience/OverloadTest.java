package com.gad.stats.resilience;

import static com.gad.stats.support.Api.getStats;
import static com.gad.stats.support.Api.metric;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.gad.stats.auth.Roles;
import com.gad.stats.cache.NearCache;
import com.gad.stats.cache.DatabaseFallbackBulkhead;
import com.gad.stats.config.GadConfig;
import com.gad.stats.overload.AdmissionControl;
import com.gad.stats.support.Api;
import com.gad.stats.support.LocalServicesResource;
import com.gad.stats.support.TestData;
import com.gad.stats.support.Tokens;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;

/**
 * Overload with the values that ship: a busy event loop is not a Redis fault, admission control
 * sheds fast with 503 problem+json and Retry-After while probes keep answering, the database
 * fallbacks of a Redis outage are a bulkhead, and a refused PostgreSQL leaves no second failure
 * behind.
 */
@QuarkusTest
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
public class OverloadTest {

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Inject
    Vertx vertx;
    @Inject
    GadConfig config;
    @Inject
    NearCache nearCache;

    @AfterEach
    void heal() {
        Api.healBackends();
    }

    static CompletableFuture<HttpResponse<String>> send(String token, String pathAndQuery) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":" + RestAssured.port + pathAndQuery))
                .header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(60))
                .build();
        return HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    static List<HttpResponse<String>> all(List<CompletableFuture<HttpResponse<String>>> requests) {
        return requests.stream().map(CompletableFuture::join).toList();
    }

    static void assertShed(HttpResponse<String> response) {
        assertEquals(503, response.statusCode());
        assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElse(""));
        assertTrue(response.headers().firstValue("Retry-After").isPresent(), "Retry-After");
        assertTrue(response.body().contains("\"status\":503"), response.body());
    }

    @Test
    void aBusyEventLoopIsNotARedisFault() throws Exception {
        long user = TestData.user(1);
        TestData.task(user, "finalizada", Duration.ofHours(3));
        Api.awaitChangesApplied(); // the SQL write's notification, which would make the value stale mid-test
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> getStats(token, user, null).statusCode(200).extract().<Boolean> path("_cache.hit"));
        double errors = metric("gad_cache_requests_total{result=\"error\"}");
        double extended = metric("gad_cache_deadline_excused_total");

        // The event loop spins 3x the Redis deadline each time it reads a byte from another client's
        // socket, as it would parsing a flood of requests: Redis replies then arrive while it is busy
        // reading sockets, and the deadline timers come due before the loop reads them.
        long spinNanos = config.cache().redisTimeout().multipliedBy(3).toNanos();
        NetServer spinner = vertx.createNetServer().connectHandler(socket -> socket.handler(bytes -> {
            long end = System.nanoTime() + spinNanos;
            while (System.nanoTime() < end) {
                Thread.onSpinWait();
            }
        }));
        int port = spinner.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().join().actualPort();
        AtomicBoolean busy = new AtomicBoolean(true);
        Thread flood = new Thread(() -> {
            try (Socket socket = new Socket("127.0.0.1", port); OutputStream out = socket.getOutputStream()) {
                while (busy.get()) {
                    out.write(1);
                    out.flush();
                    Thread.sleep(5);
                }
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        flood.start();
        try {
            for (int i = 0; i < 20; i++) {
                nearCache.flush(); // hits from Redis: the near cache would answer without a Redis call
                getStats(token, user, null).statusCode(200).body("_cache.hit", is(true));
            }
        } finally {
            busy.set(false);
            flood.join();
            spinner.close();
        }
        assertEquals(errors, metric("gad_cache_requests_total{result=\"error\"}"), "no Redis call was failed");
        assertEquals(0.0, metric("gad_cache_circuit_state"), "the breaker stayed closed");
        assertTrue(metric("gad_cache_deadline_excused_total") > extended, "late replies were accepted while the loop was busy");
    }

    @Test
    void beyondTheConcurrencyLimitRequestsWaitThenAreShedFastWhileProbesAnswer() {
        long user = TestData.user(2);
        String token = Tokens.forUser(user, Roles.SUPERVISOR);
        int limit = config.overload().maxConcurrent();
        int extra = 16;
        double shedBefore = metric("gad_http_shed_total{reason=\"queue_wait\"}");
        // every admitted request holds its turn for longer than the queue wait
        LocalServicesResource.postgresProxy().delay(AdmissionControl.MAX_QUEUE_WAIT.multipliedBy(3).toMillis());

        List<CompletableFuture<HttpResponse<String>>> requests = new ArrayList<>();
        for (int i = 0; i < limit + extra; i++) {
            requests.add(send(token, "/api/v1/stats/user/" + user + "?use_cache=false"));
        }
        // while every turn is taken: probes and metrics are never limited
        given().when().get("/q/health/live").then().statusCode(200);
        given().when().get("/q/metrics").then().statusCode(200);
        List<HttpResponse<String>> responses = all(requests);

        List<HttpResponse<String>> shed = responses.stream().filter(r -> r.statusCode() == 503).toList();
        shed.forEach(OverloadTest::assertShed);
        assertEquals(extra, shed.size(), "requests beyond the limit that waited past the queue wait were shed");
        assertEquals(limit, responses.stream().filter(r -> r.statusCode() == 200).count(), "the admitted ones were served");
        assertEquals(shedBefore + extra, metric("gad_http_shed_total{reason=\"queue_wait\"}"));
    }

    @Test
    void aRedisOutageReachesTheDatabaseThroughABulkhead() {
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        int capacity = DatabaseFallbackBulkhead.CONCURRENCY + DatabaseFallbackBulkhead.QUEUE;
        int beyond = 20;
        double shedBefore = metric("gad_cache_fallbacks_total{cause=\"bulkhead_full\"}");
        LocalServicesResource.redisProxy().cut();
        LocalServicesResource.postgresProxy().delay(1_000);

        // distinct windows: distinct values, so no two requests share a load
        List<CompletableFuture<HttpResponse<String>>> requests = new ArrayList<>();
        for (int days = 1; days <= capacity + beyond; days++) {
            requests.add(send(token, "/api/v1/stats/user/" + user + "?days=" + days));
        }
        List<HttpResponse<String>> responses = all(requests);

        List<HttpResponse<String>> shed = responses.stream().filter(r -> r.statusCode() == 503).toList();
        shed.forEach(OverloadTest::assertShed);
        assertEquals(beyond, shed.size(), "fallbacks beyond the bulkhead were shed, not sent to PostgreSQL");
        responses.stream().filter(r -> r.statusCode() == 200)
                .forEach(r -> assertTrue(r.body().contains("\"reason\":\"cache_unavailable\""), r.body()));
        assertEquals(shedBefore + beyond, metric("gad_cache_fallbacks_total{cause=\"bulkhead_full\"}"));
    }

    @Test
    void aRefusedPostgresFailsEachRequestOnce() throws Exception {
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        List<String> logged = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                Throwable thrown = record.getThrown();
                logged.add(record.getMessage() + (thrown == null ? "" : " " + thrown));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger.getLogger("").addHandler(capture);
        try {
            LocalServicesResource.postgresProxy().cut();
            for (int i = 0; i < 5; i++) {
                getStats(token, user, "use_cache=false").statusCode(503).header("Retry-After", is("5"));
            }
            // the Vert.x pool's own connection timer (30 s by default) is what failed them a second time
            Thread.sleep(31_000);
        } finally {
            Logger.getLogger("").removeHandler(capture);
        }
        List<String> doubleFailures = logged.stream().filter(line -> line.contains("already complete")).toList();
        assertEquals(List.of(), doubleFailures);
    }
}
