package com.gad.stats.security;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import jakarta.ws.rs.core.Response;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.gad.stats.auth.Roles;
import com.gad.stats.common.ApiException;
import com.gad.stats.common.Problem;
import com.gad.stats.common.ProblemMappers;
import com.gad.stats.support.LocalServicesResource;
import com.gad.stats.support.TestData;
import com.gad.stats.support.Tokens;
import com.gad.stats.tasks.model.TaskNotFound;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.CompositeException;

/** Security headers on every kind of answer, no CORS, and no internals in errors, including backend outages. */
@QuarkusTest
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
public class ResponseHygieneTest {

    static final Map<String, String> API_HEADERS = Map.of(
            "x-content-type-options", "nosniff",
            "cache-control", "no-store",
            "x-frame-options", "DENY",
            "referrer-policy", "no-referrer",
            "cross-origin-resource-policy", "same-origin",
            "content-security-policy", "default-src 'none'; frame-ancestors 'none'");

    static final Pattern INTERNALS = Pattern.compile(InputFuzzTest.ERROR_LEAK.pattern() + "|(?i)connection refused|timed? ?out|connection (was |is )?closed|channel closed");

    @AfterEach
    void heal() {
        com.gad.stats.support.Api.healBackends();
    }

    static RawHttp.Response send(String method, String path, String token, String contentType, byte[] body) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (token != null) {
            headers.put("Authorization", "Bearer " + token);
        }
        if (contentType != null) {
            headers.put("Content-Type", contentType);
        }
        return RawHttp.send(method, path, headers, body);
    }

    @Test
    void securityHeadersOnEveryKindOfAnswer() {
        long user = TestData.user(1);
        String efectivo = Tokens.forUser(user, Roles.EFECTIVO);
        byte[] json = "{\"titulo\":\"x\"}".getBytes(StandardCharsets.UTF_8);
        Map<String, RawHttp.Response> answers = new LinkedHashMap<>();
        answers.put("200", send("GET", "/api/v1/stats/user/" + user, efectivo, null, null));
        answers.put("400", send("GET", "/api/v1/stats/user/abc", efectivo, null, null));
        answers.put("401", send("GET", "/api/v1/stats/user/" + user, null, null, null));
        answers.put("403", send("GET", "/api/v1/stats/user/" + (user + 1), efectivo, null, null));
        answers.put("404", send("GET", "/api/v1/nothing-here", efectivo, null, null));
        answers.put("405", send("DELETE", "/api/v1/stats/user/" + user, efectivo, null, null));
        answers.put("413", send("POST", "/api/v1/tasks", efectivo, "application/json", new byte[1024 * 1024]));
        answers.put("415", send("POST", "/api/v1/tasks", efectivo, "text/plain", json));
        answers.put("415 without content type", send("PATCH", "/api/v1/tasks/1", efectivo, null, json));
        answers.forEach((name, response) -> {
            String expectedStatus = name.substring(0, 3);
            assertEquals(expectedStatus, Integer.toString(response.status()), name + ": " + response.body());
            API_HEADERS.forEach((header, value) -> assertEquals(value, response.header(header), name + " " + header));
            assertNull(response.header("server"), name);
            assertNull(response.header("x-powered-by"), name);
            if (response.status() >= 400) {
                assertEquals(Problem.MEDIA_TYPE, response.contentType(), name);
                assertTrue(response.body().contains("\"status\":" + expectedStatus), name + ": " + response.body());
            }
        });
        // outside the API (health, metrics) the same headers but CSP, which would only get in the way of tools
        RawHttp.Response health = send("GET", "/q/health/live", null, null, null);
        assertEquals("nosniff", health.header("x-content-type-options"));
        assertEquals("DENY", health.header("x-frame-options"));
    }

    @Test
    void noCrossOriginAccess() {
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        var get = given().header("Origin", "https://evil.example").auth().oauth2(token).when().get("/api/v1/stats/user/" + user);
        assertNull(get.header("Access-Control-Allow-Origin"));
        assertNull(get.header("Access-Control-Allow-Credentials"));
        var preflight = given().header("Origin", "https://evil.example").header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization,content-type").when().options("/api/v1/tasks");
        assertNull(preflight.header("Access-Control-Allow-Origin"));
        assertNull(preflight.header("Access-Control-Allow-Methods"));
    }

    @Test
    void unexpectedErrorsAreGenericWhateverTheyCarry() {
        ProblemMappers mappers = new ProblemMappers();
        List<Throwable> nasty = List.of(
                new IllegalStateException("ERROR: relation \"usuarios\" does not exist (SQLSTATE 42P01) SELECT hashed_password FROM usuarios"),
                new RuntimeException("WRONGTYPE Operation against a key holding the wrong kind of value", new NullPointerException("x")),
                new CompositeException(new IllegalArgumentException("com.gad.stats.Secret at java.base/java.lang.Thread.run"),
                        new IllegalStateException("two")),
                new StackOverflowError());
        for (Throwable t : nasty) {
            Response response = mappers.unexpected(t);
            assertEquals(500, response.getStatus());
            Problem problem = (Problem) response.getEntity();
            assertEquals("The request could not be completed", problem.detail(), t.toString());
            assertEquals(Problem.MEDIA_TYPE, response.getMediaType().toString());
        }
        // an expected failure wrapped by Mutiny keeps its own status and text
        Response wrapped = mappers.unexpected(new CompositeException(ApiException.notFound("No user with id 5"), new IllegalStateException()));
        assertEquals(404, wrapped.getStatus());
        Response refused = mappers.unexpected(new CompositeException(new TaskNotFound(5), new IllegalStateException()));
        assertEquals(404, refused.getStatus());
        assertEquals("No task with id 5", ((Problem) refused.getEntity()).detail());
    }

    @Test
    void backendOutagesSayNothingAboutTheBackends() {
        long user = TestData.user(1);
        String admin = Tokens.forUser(TestData.user(3), Roles.ADMIN);
        String efectivo = Tokens.forUser(user, Roles.EFECTIVO);

        LocalServicesResource.redis().stop();
        // the figures still answer, saying Redis is not connected; every operation that must reach Redis is refused
        RawHttp.Response figures = send("GET", "/api/v1/cache/stats", admin, null, null);
        assertEquals(200, figures.status(), figures.body());
        assertTrue(figures.body().contains("\"connected\":false"), figures.body());
        assertFalse(INTERNALS.matcher(figures.body()).find(), figures.body());
        for (String[] call : List.of(new String[] { "POST", "/api/v1/cache/clear" }, new String[] { "POST", "/api/v1/cache/invalidate/stats:v1:x" },
                new String[] { "POST", "/api/v1/cache/invalidate-pattern/stats:*" }, new String[] { "POST", "/api/v1/stats/invalidate/user/" + user })) {
            RawHttp.Response response = send(call[0], call[1], call[1].contains("/stats/invalidate/") ? efectivo : admin, null, null);
            assertEquals(503, response.status(), call[1] + " " + response.body());
            assertEquals(Problem.MEDIA_TYPE, response.contentType(), call[1]);
            assertTrue(response.body().contains("\"status\":503"), call[1] + ": " + response.body());
            assertFalse(INTERNALS.matcher(response.body()).find(), call[1] + ": " + response.body());
        }
        // statistics are still served, from the database
        assertEquals(200, send("GET", "/api/v1/stats/user/" + user, efectivo, null, null).status());
        LocalServicesResource.redis().start();

        LocalServicesResource.postgresProxy().cut();
        RawHttp.Response down = send("GET", "/api/v1/tasks", efectivo, null, null);
        assertEquals(503, down.status(), down.body());
        assertEquals(Problem.MEDIA_TYPE, down.contentType());
        assertTrue(Long.parseLong(down.header("retry-after")) > 0);
        assertFalse(INTERNALS.matcher(down.body()).find(), down.body());
        RawHttp.Response login = send("POST", "/api/v1/auth/login", null, "application/json",
                ("{\"email\":\"" + TestData.email(user).replace("@", "-x@") + "\",\"password\":\"x\"}").getBytes(StandardCharsets.UTF_8));
        assertEquals(503, login.status(), login.body());
        assertFalse(INTERNALS.matcher(login.body()).find(), login.body());
        LocalServicesResource.postgresProxy().restore();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> send("GET", "/api/v1/tasks", efectivo, null, null).status() == 200);
    }
}
