package com.gad.stats.ops;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
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
 * {@code /q/metrics} as Prometheus and operators see it: the text exposition passes
 * {@code promtool check metrics} (parse and lint), OpenMetrics is the default for other clients, and every
 * metric that the alert rules and the Grafana dashboard under {@code deploy/} query is exposed.
 *
 * <p>promtool comes from Debian's {@code prometheus} package ({@code PROMTOOL} may name another
 * binary). Without it the promtool check is skipped, unless {@code GAD_REQUIRE_PROMTOOL=1} (as in CI),
 * where its absence fails the test.
 */
@QuarkusTest
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
public class MetricsExpositionTest {

    private static final Pattern SERIES_NAME = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)");

    /** Traffic through every path that registers meters: login, miss, hit, bypass, invalidation. */
    @BeforeEach
    void traffic() {
        long user = TestData.user(1);
        TestData.task(user, "finalizada", Duration.ofHours(5), Duration.ofHours(1), Duration.ofMinutes(90), false);
        given().contentType("application/json")
                .body("{\"email\":\"" + TestData.email(user) + "\",\"password\":\"" + TestData.PASSWORD + "\"}")
                .when().post("/api/v1/auth/login").then().statusCode(200);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        Api.getStats(token, user, null).statusCode(200);
        Api.getStats(token, user, null).statusCode(200);
        Api.getStats(token, user, "use_cache=false").statusCode(200);
        given().auth().oauth2(token).when().post("/api/v1/stats/invalidate/user/" + user).then().statusCode(200);
        Api.getStats(token, user, null).statusCode(200);
    }

    @Test
    void textExpositionPassesPromtoolCheckMetrics() throws Exception {
        String exposition = textExposition();
        String promtool = promtool();
        Process process = new ProcessBuilder(promtool, "check", "metrics").redirectErrorStream(true).start();
        try (OutputStream stdin = process.getOutputStream()) {
            stdin.write(exposition.getBytes(StandardCharsets.UTF_8));
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "promtool did not finish");
        assertEquals(0, process.exitValue(), "promtool check metrics found problems:\n" + output);
    }

    /** Without a preference (curl's Accept: *&#47;*) the registry answers OpenMetrics. */
    @Test
    void openMetricsByDefault() {
        String body = given().accept("*/*")
                .when().get("/q/metrics")
                .then().statusCode(200)
                .contentType(startsWith("application/openmetrics-text"))
                .extract().asString();
        assertTrue(body.endsWith("# EOF\n"), "an OpenMetrics exposition ends with # EOF");
    }

    @Test
    void theServiceMetricsAreExposedWithTheirLabels() {
        Set<String> names = seriesNames(textExposition());
        for (String name : new String[] { "gad_cache_requests_total", "gad_cache_corrupt_total",
                "gad_cache_operation_seconds_count", "gad_cache_invalidation_failures_total",
                "gad_stats_aggregation_seconds_bucket", "http_server_requests_seconds_count",
                "sql_pool_active", "sql_pool_queue_size", "postgresql_queue_size", "redis_pool_active",
                "process_cpu_seconds_total", "jvm_memory_used_bytes" }) {
            assertTrue(names.contains(name), name + " is exposed");
        }
        String text = textExposition();
        for (String result : new String[] { "hit", "miss", "stale", "bypass", "error" }) {
            assertTrue(text.contains("gad_cache_requests_total{result=\"" + result + "\""), "result=" + result);
        }
        assertTrue(text.contains("client_name=\"<default>\""), "Vert.x client tags are snake_case");
        // the failure series exist before any failure, so rate() over them has data from the start
        for (String operation : new String[] { "read", "write", "invalidate" }) {
            assertTrue(text.matches("(?s).*gad_cache_operation_seconds_count\\{[^}]*operation=\"" + operation
                    + "\"[^}]*outcome=\"error\".*"), "operation=" + operation + ", outcome=error");
        }
    }

    @Test
    void everyMetricTheRulesAndTheDashboardQueryIsExposed() throws IOException {
        Set<String> exposed = seriesNames(textExposition());
        Set<String> queried = queriedMetricNames();
        assertTrue(queried.size() > 10, "found the queries under deploy/: " + queried);
        Set<String> missing = queried.stream()
                .filter(name -> Stream.of("", "_count", "_sum", "_bucket").noneMatch(suffix -> exposed.contains(name + suffix)))
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of(), missing, "queried under deploy/ but not exposed by the service");
        given().when().get("/q/health/ready").then().statusCode(200).body("status", is("UP"));
    }

    /** What Prometheus 2.x asks for when it scrapes (its Accept header, verbatim). */
    static final String PROMETHEUS_ACCEPT = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
            + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    /**
     * The exposition a Prometheus scrape gets: the text format (0.0.4), which is also the one
     * {@code promtool check metrics} parses.
     */
    static String textExposition() {
        return given().accept(PROMETHEUS_ACCEPT)
                .when().get("/q/metrics")
                .then().statusCode(200).contentType(startsWith("text/plain"))
                .extract().asString();
    }

    static Set<String> seriesNames(String exposition) {
        return exposition.lines()
                .filter(line -> !line.isBlank() && !line.startsWith("#"))
                .map(SERIES_NAME::matcher)
                .filter(Matcher::find)
                .map(m -> m.group(1))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /**
     * Metric names mentioned by the alert rules and the dashboard (queries and texts alike): words
     * with one of the prefixes this service exports, not part of a recording rule name
     * ({@code job:name:rate5m}) nor followed by {@code (} (a function). A histogram or summary may
     * be named by its base name.
     */
    static Set<String> queriedMetricNames() throws IOException {
        Path deploy = Path.of("..", "deploy"); // tests run in app/, a module of the repository root
        Pattern metric = Pattern.compile(
                "(?<![:\\w])((?:gad|http_server|sql_pool|postgresql|redis|process|jvm|worker_pool)_[a-z0-9_]+)\\b(?![:(]|\\s*\\()");
        Set<String> names = new TreeSet<>();
        try (Stream<Path> files = Files.walk(deploy)) {
            for (Path file : files.filter(Files::isRegularFile)
                    .filter(p -> p.toString().matches(".*(prometheus/rules|grafana/dashboards)/.*\\.(ya?ml|json)$"))
                    .toList()) {
                if (file.toString().contains("/tests/")) {
                    continue;
                }
                Matcher m = metric.matcher(Files.readString(file));
                while (m.find()) {
                    names.add(m.group(1));
                }
            }
        }
        return names;
    }

    static String promtool() {
        String configured = System.getenv("PROMTOOL");
        Stream<Path> candidates = configured != null && !configured.isBlank()
                ? Stream.of(Path.of(configured))
                : Arrays.stream(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                        .filter(dir -> !dir.isBlank())
                        .map(dir -> Path.of(dir, "promtool"));
        String found = candidates.filter(Files::isExecutable).map(Path::toString).findFirst().orElse(null);
        if (found == null) {
            String message = "promtool not found (Debian package 'prometheus', or set PROMTOOL)";
            if ("1".equals(System.getenv("GAD_REQUIRE_PROMTOOL"))) {
                fail(message + " and GAD_REQUIRE_PROMTOOL=1");
            }
            Assumptions.abort(message);
        }
        return found;
    }
}
