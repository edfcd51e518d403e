package com.gad.stats.security;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
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
import io.restassured.response.Response;
import io.smallrye.jwt.build.Jwt;

/**
 * Every endpoint × every kind of caller, as a table. The target is always an efectivo's data (the
 * "owner"): "efectivo-self" is the owner, "efectivo-other" another efectivo, "no-role" a valid
 * token whose groups hold no known role. A 403 is problem+json carrying nothing of the target,
 * and a denied write leaves the database and Redis as they were.
 */
@QuarkusTest
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
public class AuthorizationMatrixTest {

    static final String TABLE = """
            operation                   | efectivo-self | efectivo-other | supervisor | admin | no-role
            stats.read                  | 200           | 403            | 200        | 200   | 403
            stats.invalidate            | 200           | 403            | 403        | 200   | 403
            tasks.create                | 403           | 403            | 201        | 201   | 403
            tasks.list                  | 200           | 200            | 200        | 200   | 403
            tasks.list-of-owner         | 200           | 403            | 200        | 200   | 403
            tasks.get                   | 200           | 403            | 200        | 200   | 403
            tasks.put                   | 403           | 403            | 200        | 200   | 403
            tasks.put-estado-only       | 200           | 403            | 400        | 400   | 403
            tasks.patch-estado          | 200           | 403            | 200        | 200   | 403
            tasks.patch-titulo          | 403           | 403            | 200        | 200   | 403
            tasks.delete                | 403           | 403            | 204        | 204   | 403
            cache.stats                 | 403           | 403            | 200        | 200   | 403
            cache.invalidate            | 403           | 403            | 403        | 200   | 403
            cache.invalidate-pattern    | 403           | 403            | 403        | 200   | 403
            cache.clear                 | 403           | 403            | 403        | 200   | 403
            """;

    static final AtomicInteger CASES = new AtomicInteger();

    /** The data every case aims at: an efectivo, one of their tasks, their cached values. */
    record Target(long owner, String email, long task, String codigo, String statsKey, String genKey) {

        static Target create() {
            long owner = TestData.user(1);
            long task = TestData.task(owner, "programada", Duration.ofHours(1));
            String codigo = Db.one("SELECT codigo FROM tareas WHERE id = " + task);
            String statsKey = "gad:stats:" + CacheKeys.FORMAT_VERSION + ":{u" + owner + "}:d30";
            RedisProbe.call("SET", statsKey, "planted");
            return new Target(owner, TestData.email(owner), task, codigo, statsKey, "gad:gen:" + CacheKeys.FORMAT_VERSION + ":{u" + owner + "}");
        }

        /** Everything a denied request must leave as it was. */
        String state() {
            return Db.one("SELECT count(*) FROM tareas WHERE delegado_usuario_id = " + owner) + "|"
                    + Db.one("SELECT concat_ws(',', titulo, estado, updated_at, deleted_at) FROM tareas WHERE id = " + task) + "|"
                    + RedisProbe.string("GET", statsKey) + "|" + RedisProbe.string("GET", genKey);
        }
    }

    static String token(String column, Target target) {
        return switch (column) {
            case "efectivo-self" -> Tokens.forUser(target.owner(), Roles.EFECTIVO);
            case "efectivo-other" -> Tokens.forUser(TestData.user(1), Roles.EFECTIVO);
            case "supervisor" -> Tokens.forUser(TestData.user(2), Roles.SUPERVISOR);
            case "admin" -> Tokens.forUser(TestData.user(3), Roles.ADMIN);
            case "no-role" -> Jwt.issuer(Tokens.ISSUER).subject(Long.toString(TestData.user(3))).groups(Set.of("guest"))
                    .expiresIn(600).sign(Tokens.key());
            default -> throw new IllegalArgumentException(column);
        };
    }

    static Response call(String operation, String token, Target t) {
        var request = given().auth().oauth2(token).urlEncodingEnabled(false).redirects().follow(false);
        String full = "{\"titulo\":\"Cambiada\",\"tipo\":\"vigilancia\",\"delegado_usuario_id\":" + t.owner() + "}";
        return switch (operation) {
            case "stats.read" -> request.get("/api/v1/stats/user/" + t.owner());
            case "stats.invalidate" -> request.post("/api/v1/stats/invalidate/user/" + t.owner());
            case "tasks.create" -> request.contentType("application/json").body(full).post("/api/v1/tasks");
            case "tasks.list" -> request.get("/api/v1/tasks");
            case "tasks.list-of-owner" -> request.get("/api/v1/tasks?delegado_usuario_id=" + t.owner());
            case "tasks.get" -> request.get("/api/v1/tasks/" + t.task());
            case "tasks.put" -> request.contentType("application/json").body(full).put("/api/v1/tasks/" + t.task());
            case "tasks.put-estado-only" -> request.contentType("application/json").body("{\"estado\":\"en_curso\"}").put("/api/v1/tasks/" + t.task());
            case "tasks.patch-estado" -> request.contentType("application/json").body("{\"estado\":\"en_curso\"}").patch("/api/v1/tasks/" + t.task());
            case "tasks.patch-titulo" -> request.contentType("application/json").body("{\"titulo\":\"Cambiada\"}").patch("/api/v1/tasks/" + t.task());
            case "tasks.delete" -> request.delete("/api/v1/tasks/" + t.task());
            case "cache.stats" -> request.get("/api/v1/cache/stats");
            case "cache.invalidate" -> request.post("/api/v1/cache/invalidate/stats:v1:%7Bu" + t.owner() + "%7D:d30");
            case "cache.invalidate-pattern" -> request.post("/api/v1/cache/invalidate-pattern/stats:v1:%7Bu" + t.owner() + "%7D:*");
            case "cache.clear" -> request.post("/api/v1/cache/clear");
            default -> throw new IllegalArgumentException(operation);
        };
    }

    @TestFactory
    Stream<DynamicTest> everyEndpointForEveryRole() {
        List<String[]> rows = TABLE.lines().filter(l -> !l.isBlank())
                .map(l -> Arrays.stream(l.split("\\|")).map(String::trim).toArray(String[]::new)).toList();
        String[] columns = rows.get(0);
        List<DynamicTest> tests = new ArrayList<>();
        for (String[] row : rows.subList(1, rows.size())) {
            for (int c = 1; c < columns.length; c++) {
                String operation = row[0];
                String column = columns[c];
                int expected = Integer.parseInt(row[c]);
                tests.add(DynamicTest.dynamicTest(operation + " as " + column + " → " + expected, () -> check(operation, column, expected)));
            }
        }
        return tests.stream();
    }

    static void check(String operation, String column, int expected) {
        CASES.incrementAndGet();
        Target target = Target.create();
        String token = token(column, target);
        String before = target.state();
        Response response = call(operation, token, target);
        String body = response.asString();
        assertEquals(expected, response.statusCode(), body);
        if (expected >= 400) {
            assertEquals("application/problem+json", response.contentType().split(";")[0]);
            Map<String, Object> problem = JsonPath.from(body).getMap("");
            assertTrue(Set.of("type", "title", "status", "detail", "field").containsAll(problem.keySet()), body);
            assertEquals(expected, problem.get("status"));
            for (String secret : List.of(target.email(), target.codigo(), "Tarea de prueba", "planted", "\"total\"", "titulo\":")) {
                assertFalse(body.contains(secret), "the error carries " + secret + ": " + body);
            }
            assertEquals(before, target.state(), "a refused request changed something");
        }
        if ("tasks.list".equals(operation) && "efectivo-other".equals(column)) {
            // allowed, but an efectivo's list never shows someone else's task
            assertFalse(body.contains(target.codigo()), body);
        }
        if (expected == 200 && operation.startsWith("tasks.") && !operation.startsWith("tasks.list")) {
            assertNotNull(JsonPath.from(body).get("id"));
        }
        if ("tasks.delete".equals(operation) && expected == 204) {
            assertTrue(Objects.nonNull(Db.one("SELECT deleted_at FROM tareas WHERE id = " + target.task())));
        }
    }

    @AfterAll
    static void report() {
        long rows = TABLE.lines().filter(l -> !l.isBlank()).count() - 1;
        System.out.printf("[security] authorization matrix: %d cases (%d operations x 5 callers)%n", CASES.get(), rows);
    }
}
