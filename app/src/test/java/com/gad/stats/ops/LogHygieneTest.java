package com.gad.stats.ops;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Test;

import com.gad.stats.cache.CacheKeys;
import com.gad.stats.auth.Roles;
import com.gad.stats.support.Api;
import com.gad.stats.support.LocalServicesResource;
import com.gad.stats.support.TestData;
import com.gad.stats.support.Tokens;

import at.favre.lib.crypto.bcrypt.BCrypt;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * What the service logs: each cache operation is an event with the key, the result and the user as
 * structured fields; per-operation events (hit, miss, set) only at DEBUG, invalidations at INFO; and
 * no password or token ever reaches a log line, whatever the request. Here the records are captured
 * in-process; {@link LogHygieneIT} reads the JSON lines the packaged application writes in prod.
 */
@QuarkusTest
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
public class LogHygieneTest {

    /** One log entry: its rendered text (everything a reader of the log could see) and its MDC fields. */
    public record LogEntry(String level, String text, Map<String, String> fields) {
    }

    /** Per-operation results: one event per request or write-back. */
    static final Set<String> PER_OPERATION = Set.of("hit", "hit_memory", "miss", "stale", "corrupt", "bypass", "set",
            "set_skipped_invalidated", "invalidate_skipped");

    /**
     * The log entries written while {@code action} ran, with the cache category opened to DEBUG, as an
     * operator would, or at its configured level (INFO).
     */
    protected List<LogEntry> logsDuring(boolean cacheDebug, Runnable action) {
        Logger root = Logger.getLogger("");
        Logger cache = Logger.getLogger("com.gad.stats.cache");
        Level cacheLevel = cache.getLevel();
        List<LogEntry> entries = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                StringBuilder text = new StringBuilder(String.valueOf(record.getMessage()));
                if (record.getParameters() != null) {
                    for (Object parameter : record.getParameters()) {
                        text.append(' ').append(parameter);
                    }
                }
                Map<String, String> fields = Map.of();
                if (record instanceof ExtLogRecord ext) {
                    text.append(' ').append(ext.getFormattedMessage());
                    fields = Map.copyOf(ext.getMdcCopy());
                    text.append(' ').append(fields);
                }
                for (Throwable t = record.getThrown(); t != null; t = t.getCause()) {
                    text.append(' ').append(t);
                }
                synchronized (entries) {
                    entries.add(new LogEntry(record.getLevel().getName(), text.toString(), fields));
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        capture.setLevel(Level.ALL);
        root.addHandler(capture);
        if (cacheDebug) {
            cache.setLevel(Level.FINE);
        }
        try {
            action.run();
        } finally {
            cache.setLevel(cacheLevel);
            root.removeHandler(capture);
        }
        synchronized (entries) {
            return List.copyOf(entries);
        }
    }

    @Test
    void perOperationEventsAreDebugWithTheKeyTheResultAndTheUser() {
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        String valueKey = Api.statsKey(user, 30);
        String generationKey = "gad:gen:" + CacheKeys.FORMAT_VERSION + ":{u" + user + "}";

        List<LogEntry> entries = logsDuring(true, () -> readTwiceAndInvalidate(token, user));

        assertTrue(has(entries, "DEBUG", "miss", valueKey, user), "miss logged at DEBUG: " + entries);
        assertTrue(has(entries, "DEBUG", "set", valueKey, user), "write-back logged at DEBUG: " + entries);
        assertTrue(has(entries, "DEBUG", "hit", valueKey, user), "hit logged at DEBUG: " + entries);
        assertTrue(has(entries, "INFO", "invalidate", generationKey, user), "invalidation logged at INFO: " + entries);
    }

    /** The default: no line per request, the invalidation still logged, and the metrics count every operation. */
    @Test
    void atInfoOnlyInvalidationsAreLoggedAndMetricsCountEveryOperation() {
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        String generationKey = "gad:gen:" + CacheKeys.FORMAT_VERSION + ":{u" + user + "}";
        double misses = Api.metric("gad_cache_requests_total{result=\"miss\"}");
        double hits = Api.metric("gad_cache_requests_total{result=\"hit\"}");

        List<LogEntry> entries = logsDuring(false, () -> readTwiceAndInvalidate(token, user));

        String userId = Long.toString(user);
        List<LogEntry> perOperation = entries.stream()
                .filter(e -> userId.equals(e.fields().get("user_id")) && PER_OPERATION.contains(e.fields().get("cache_result")))
                .toList();
        assertEquals(List.of(), perOperation, "no per-operation line at INFO");
        assertTrue(has(entries, "INFO", "invalidate", generationKey, user), "invalidation logged at INFO: " + entries);
        assertTrue(Api.metric("gad_cache_requests_total{result=\"miss\"}") >= misses + 1, "the miss counted");
        assertTrue(Api.metric("gad_cache_requests_total{result=\"hit\"}") >= hits + 1, "the hit counted");
    }

    /** A miss, its write-back, a hit, then an invalidation through the API. */
    private static void readTwiceAndInvalidate(String token, long user) {
        Api.getStats(token, user, null).statusCode(200).body("_cache.hit", is(false));
        Api.getStats(token, user, null).statusCode(200).body("_cache.hit", is(true));
        given().auth().oauth2(token).when().post("/api/v1/stats/invalidate/user/" + user).then().statusCode(200);
    }

    @Test
    void passwordsAndTokensAreNeverLogged() {
        String password = "Pw-" + UUID.randomUUID();
        String wrongPassword = "Wrong-" + UUID.randomUUID();
        String email = "hygiene-" + UUID.randomUUID() + "@gad.test";
        long user = TestData.user(email, 2, BCrypt.withDefaults().hashToString(4, password.toCharArray()));
        String minted = Tokens.forUser(user, Roles.SUPERVISOR);
        String[] issued = new String[1];

        List<LogEntry> entries = logsDuring(true, () -> {
            issued[0] = given().contentType("application/json")
                    .body("{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}")
                    .when().post("/api/v1/auth/login").then().statusCode(200)
                    .extract().path("access_token");
            given().contentType("application/json")
                    .body("{\"email\":\"" + email + "\",\"password\":\"" + wrongPassword + "\"}")
                    .when().post("/api/v1/auth/login").then().statusCode(401);
            given().contentType("application/x-www-form-urlencoded")
                    .formParam("username", email).formParam("password", wrongPassword)
                    .when().post("/api/v1/auth/login").then().statusCode(401);
            given().contentType("application/json").body("{\"email\":\"" + email + "\",\"password\":" + "\"" + wrongPassword)
                    .when().post("/api/v1/auth/login").then().statusCode(400);
            Api.getStats(minted, user, null).statusCode(200);
            Api.getStats(issued[0], user, null).statusCode(200);
            // a token signed by a key the service does not trust, and a mangled one
            String forged = io.smallrye.jwt.build.Jwt.issuer(Tokens.ISSUER).subject(Long.toString(user))
                    .groups(java.util.Set.of(Roles.ADMIN)).sign(Tokens.otherKey());
            Api.getStats(forged, user, null).statusCode(401);
            Api.getStats(minted + "x", user, null).statusCode(401);
            given().auth().oauth2(minted).when().post("/api/v1/stats/invalidate/user/" + user).then().statusCode(200);
        });

        assertFalse(entries.isEmpty(), "the requests were logged at all");
        for (LogEntry entry : entries) {
            for (String secret : new String[] { password, wrongPassword, minted, issued[0], signature(minted),
                    signature(issued[0]) }) {
                assertFalse(entry.text().contains(secret), "a secret reached the log: " + entry);
            }
            assertFalse(entry.text().contains("Bearer "), "an Authorization header reached the log: " + entry);
            assertFalse(entry.text().contains("-----BEGIN"), "key material reached the log: " + entry);
        }
    }

    private static String signature(String jwt) {
        return jwt.substring(jwt.lastIndexOf('.') + 1);
    }

    private static boolean has(List<LogEntry> entries, String level, String result, String key, long user) {
        return entries.stream().anyMatch(e -> level.equals(e.level()) && result.equals(e.fields().get("cache_result"))
                && key.equals(e.fields().get("cache_key"))
                && Long.toString(user).equals(e.fields().get("user_id")));
    }
}
