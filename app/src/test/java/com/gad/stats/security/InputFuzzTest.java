package com.gad.stats.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import com.gad.stats.cache.CacheKeys;
import com.gad.stats.auth.Roles;
import com.gad.stats.support.LocalServicesResource;
import com.gad.stats.support.RedisProbe;
import com.gad.stats.support.TestData;
import com.gad.stats.support.Tokens;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/**
 * Seeded fuzzing of every endpoint (path and query parameters, JSON and form bodies, content
 * types, sizes, methods): never a 5xx, every error problem+json without internals, and no
 * partial write — after every case the database is exactly as before, and no Redis key outside
 * the prefix or outside the key layout appears or disappears.
 *
 * <p>{@code -Dgad.fuzz.seed=N} picks the seed (printed by every run), {@code -Dgad.fuzz.cases=N}
 * the number of cases, {@code -Dgad.fuzz.case=i} replays one case.
 */
@QuarkusTest
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
public class InputFuzzTest {

    static final long SEED = Long.getLong("gad.fuzz.seed", 20251012L);
    static final int CASES = Integer.getInteger("gad.fuzz.cases", 1200);
    static final int ONLY = Integer.getInteger("gad.fuzz.case", -1);

    /** Internals that must never reach a client: class names, stack frames, SQL and Redis errors. */
    static final String INTERNALS = "exception|\\bat [a-z]+\\.[a-z]|\\.java:\\d|\\b(java|javax|jakarta)\\.[a-z]|com\\.gad\\."
            + "|io\\.(vertx|quarkus|smallrye|netty)|org\\.(jboss|postgresql|hibernate|jose4j)|com\\.fasterxml|sqlstate|syntax error"
            + "|violates|duplicate key|relation \"|\\bERR |WRONGTYPE|NOSCRIPT|unrecognized token|\\[Source|objectName";
    static final Pattern LEAK = Pattern.compile("(?i)(" + INTERNALS + ")");
    /** In errors also no backend names or SQL (a 200 may say {@code "source":"redis"}: that is the contract). */
    static final Pattern ERROR_LEAK = Pattern.compile("(?i)(" + INTERNALS + "|\\bredis\\b|postgres|\\bselect .* from\\b|\\binsert into\\b|column \")");
    /**
     * Answered by Vert.x's HTTP codec before any handler runs (invalid request target, request line
     * or headers too long): an empty body, nothing to leak, but no problem+json either.
     */
    static final Set<Integer> CODEC_STATUSES = Set.of(400, 414, 431);
    static final AtomicInteger CODEC = new AtomicInteger();

    static boolean codecRejection(RawHttp.Response response) {
        return CODEC_STATUSES.contains(response.status()) && response.body().isEmpty() && response.header("content-type") == null
                && "0".equals(response.header("content-length")) && response.header("x-content-type-options") == null;
    }

    /** The key layout of the service: anything else appearing under the prefix came from user input. */
    static final Pattern KEY_LAYOUT = Pattern.compile("gad:(stats:" + CacheKeys.FORMAT_VERSION + ":\\{u\\d+\\}:d\\d+|tasks:" + CacheKeys.FORMAT_VERSION + ":\\{u\\d+\\}:l\\d+:o\\d+:e"
            + "(all|programada|en_curso|pausada|finalizada|cancelada)|gen:" + CacheKeys.FORMAT_VERSION + ":\\{u\\d+\\})");

    static final List<String> SENTINELS = List.of("fuzz:sentinel", "gad", "gadx:sentinel", "GAD:sentinel", "other:gad:sentinel",
            "{gad}:sentinel", "gad\\:sentinel", "ga*:sentinel");

    static FuzzCases cases;
    static Connection db;
    static String fingerprint;
    static Set<String> keysBefore;
    static final AtomicInteger RUN = new AtomicInteger();
    static final Map<String, Integer> BY_ENDPOINT = new TreeMap<>();
    static final Map<Integer, Integer> BY_STATUS = new TreeMap<>();
    static final List<String> FAILURES = new ArrayList<>();

    @BeforeAll
    static void fixture() throws SQLException {
        long efectivo = TestData.user(1);
        long programada = TestData.task(efectivo, "programada", Duration.ofHours(3));
        long enCurso = TestData.task(efectivo, "en_curso", Duration.ofHours(2), Duration.ofMinutes(5), null, false);
        long finalizada = TestData.task(efectivo, "finalizada", Duration.ofHours(1), Duration.ofMinutes(5), Duration.ofMinutes(30), false);
        String codigo = Db.one("SELECT codigo FROM tareas WHERE id = " + programada);
        cases = new FuzzCases(SEED, new FuzzCases.Fixture(efectivo, Tokens.forUser(efectivo, Roles.EFECTIVO),
                Tokens.forUser(TestData.user(2), Roles.SUPERVISOR), Tokens.forUser(TestData.user(3), Roles.ADMIN),
                programada, enCurso, finalizada, codigo));
        db = LocalServicesResource.postgres().connect();
        for (String sentinel : SENTINELS) {
            RedisProbe.call("SET", sentinel, "keep");
        }
        keysBefore = keys();
        fingerprint = fingerprint();
    }

    /** Every row of both tables, hashed: any insert, update or delete anywhere changes it. */
    static String fingerprint() {
        try (var s = db.createStatement();
                ResultSet rs = s.executeQuery("""
                        SELECT (SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY id)), '') FROM tareas t)
                               || '/' ||
                               (SELECT count(*) || ':' || coalesce(md5(string_agg(u::text, '|' ORDER BY id)), '') FROM usuarios u)
                        """)) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Set<String> keys() {
        Set<String> keys = new HashSet<>();
        for (Object k : (List<Object>) RedisProbe.call("KEYS", "*")) {
            keys.add(new String((byte[]) k, java.nio.charset.StandardCharsets.UTF_8));
        }
        return keys;
    }

    @TestFactory
    Stream<DynamicTest> fuzz() {
        System.out.printf("[security] fuzz: seed %d, %d cases (replay one with -Dgad.fuzz.seed=%d -Dgad.fuzz.case=N)%n", SEED, CASES, SEED);
        return java.util.stream.IntStream.range(0, CASES)
                .filter(i -> ONLY < 0 || i == ONLY)
                .mapToObj(i -> DynamicTest.dynamicTest("fuzz #" + i, () -> run(cases.generate(i))));
    }

    static void run(FuzzCases.Case c) {
        RUN.incrementAndGet();
        BY_ENDPOINT.merge(c.endpoint(), 1, Integer::sum);
        RawHttp.Response response = RawHttp.send(c.method(), c.path(), c.headers(), c.body());
        BY_STATUS.merge(response.status(), 1, Integer::sum);
        List<String> problems = new ArrayList<>();
        if (response.status() >= 500) {
            problems.add("server error " + response.status());
        }
        if (c.expect() == FuzzCases.Expect.REFUSED && (response.status() < 400 || response.status() >= 500)) {
            problems.add("a poisoned write was not refused: " + response.status());
        }
        boolean codec = codecRejection(response);
        if (codec) {
            CODEC.incrementAndGet();
        }
        if (response.status() >= 400 && !"HEAD".equals(c.method()) && !codec) {
            if (!"application/problem+json".equals(response.contentType())) {
                problems.add("error content type " + response.contentType());
            } else {
                try {
                    Map<String, Object> problem = JsonPath.from(response.body()).getMap("");
                    if (!Set.of("type", "title", "status", "detail", "field").containsAll(problem.keySet())
                            || !Integer.valueOf(response.status()).equals(problem.get("status"))) {
                        problems.add("not a problem document");
                    }
                } catch (RuntimeException e) {
                    problems.add("error body is not JSON");
                }
            }
        }
        if ((response.status() >= 400 ? ERROR_LEAK : LEAK).matcher(response.body()).find()) {
            problems.add("internals in the body");
        }
        if (!codec && !"nosniff".equals(response.header("X-Content-Type-Options"))) {
            problems.add("no X-Content-Type-Options");
        }
        String now = fingerprint();
        if (!now.equals(fingerprint)) {
            problems.add("the database changed");
            fingerprint = now;
        }
        if (!problems.isEmpty()) {
            String failure = c.describe() + "\n    → " + response.status() + " " + FuzzCases.abbreviate(response.body(), 400)
                    + "\n    " + String.join("; ", problems);
            FAILURES.add(failure);
            fail(failure);
        }
    }

    @AfterAll
    static void afterFuzzing() throws SQLException {
        try {
            System.out.printf("[security] fuzz: %d cases run (seed %d), by endpoint %s, by status %s "
                    + "(%d of them refused by the HTTP codec with an empty body), %d failures%n",
                    RUN.get(), SEED, BY_ENDPOINT, BY_STATUS, CODEC.get(), FAILURES.size());
            for (String sentinel : SENTINELS) {
                assertEquals("keep", RedisProbe.string("GET", sentinel), "a key outside the prefix was touched: " + sentinel);
            }
            List<String> foreign = keys().stream().filter(k -> !keysBefore.contains(k) && !KEY_LAYOUT.matcher(k).matches()).sorted().toList();
            assertTrue(foreign.isEmpty(), "keys outside the layout appeared: " + foreign);
            if (ONLY < 0) {
                assertTrue(RUN.get() >= 1000, "at least 1,000 cases");
            }
        } finally {
            for (String sentinel : SENTINELS) {
                RedisProbe.call("DEL", sentinel);
            }
            db.close();
        }
    }
}
