package com.gad.stats.docs;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

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
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * Real answers of every endpoint — successes in each of their shapes (a cache hit, a miss, a
 * bypass, Redis down, null columns) and the errors — validate against the schema the served
 * OpenAPI document gives for their operation, status and media type. The schemas are closed
 * (additionalProperties: false), so a member the document does not list fails too.
 */
@QuarkusTest
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
public class DocumentedAnswersTest {

    static final String STATS = "/api/v1/stats/user/{userId}";
    static final String TASKS = "/api/v1/tasks";
    static final String TASK = "/api/v1/tasks/{id}";

    @AfterEach
    void heal() {
        Api.healBackends();
    }

    static RequestSpecification as(String token) {
        return given().auth().oauth2(token);
    }

    @Test
    void statistics() {
        OpenApiDocument doc = OpenApiDocument.served();
        long user = TestData.user(1);
        TestData.task(user, "finalizada", Duration.ofDays(2), Duration.ofHours(1), Duration.ofMinutes(95), false);
        TestData.task(user, "en_curso", Duration.ofDays(1), Duration.ofMinutes(10), null, false);
        String self = Tokens.forUser(user, Roles.EFECTIVO);
        String admin = Tokens.forUser(TestData.user(3), Roles.ADMIN);

        Response miss = as(self).get("/api/v1/stats/user/" + user + "?days=7");
        Response hit = as(self).get("/api/v1/stats/user/" + user + "?days=7");
        Response memoryHit = await().atMost(Duration.ofSeconds(2))
                .until(() -> as(self).get("/api/v1/stats/user/" + user + "?days=7"), answer -> "memory".equals(answer.path("_cache.source")));
        Response bypass = as(self).get("/api/v1/stats/user/" + user + "?use_cache=false");
        assertEquals("miss", miss.path("_cache.reason"));
        assertEquals(true, hit.path("_cache.hit"));
        assertEquals("bypass", bypass.path("_cache.reason"));
        for (Response answer : new Response[] { miss, hit, memoryHit, bypass, as(admin).get("/api/v1/stats/user/987654321"),
                as(self).get("/api/v1/stats/user/" + (user + 1)), as(self).get("/api/v1/stats/user/" + user + "?days=0"),
                given().get("/api/v1/stats/user/" + user) }) {
            doc.assertDocuments("GET", STATS, answer);
        }
        doc.assertDocuments("POST", "/api/v1/stats/invalidate/user/{userId}", as(self).post("/api/v1/stats/invalidate/user/" + user));
        doc.assertDocuments("POST", "/api/v1/stats/invalidate/user/{userId}", as(self).post("/api/v1/stats/invalidate/user/x"));
    }

    @Test
    void tasks() {
        OpenApiDocument doc = OpenApiDocument.served();
        long user = TestData.user(1);
        String self = Tokens.forUser(user, Roles.EFECTIVO);
        String supervisor = Tokens.forUser(TestData.user(2), Roles.SUPERVISOR);

        Response created = as(supervisor).contentType("application/json")
                .body("{\"titulo\":\"Ronda\",\"tipo\":\"vigilancia\",\"delegado_usuario_id\":" + user + "}").post(TASKS);
        assertEquals(201, created.statusCode(), created.asString());
        doc.assertDocuments("POST", TASKS, created);
        long id = created.jsonPath().getLong("id");
        doc.assertDocuments("POST", TASKS, as(supervisor).contentType("application/json").body("{\"titulo\":\"x\",\"id\":1}").post(TASKS));
        doc.assertDocuments("POST", TASKS, as(self).contentType("application/json")
                .body("{\"titulo\":\"x\",\"tipo\":\"vigilancia\",\"delegado_usuario_id\":" + user + "}").post(TASKS));

        doc.assertDocuments("GET", TASK, as(self).get(TASKS + "/" + id));
        doc.assertDocuments("GET", TASK, as(self).get(TASKS + "/987654321"));
        doc.assertDocuments("PATCH", TASK, as(self).contentType("application/json").body("{\"estado\":\"en_curso\"}").patch(TASKS + "/" + id));
        doc.assertDocuments("PATCH", TASK, as(self).contentType("application/json").body("{\"estado\":\"programada\"}").patch(TASKS + "/" + id));
        doc.assertDocuments("PUT", TASK, as(self).contentType("application/json").body("{\"estado\":\"finalizada\"}").put(TASKS + "/" + id));
        doc.assertDocuments("PUT", TASK, as(supervisor).contentType("application/json").body("""
                {"titulo":"Ronda larga","tipo":"vigilancia","delegado_usuario_id":%d,"descripcion":"Con\\nsaltos",
                 "inicio_programado":"2025-10-12T20:00:00Z","fin_programado":"2025-10-13T04:00:00+02:00"}""".formatted(user))
                .put(TASKS + "/" + id));

        Response mine = as(self).get(TASKS);
        assertEquals(true, as(self).get(TASKS).path("_cache.hit"));
        doc.assertDocuments("GET", TASKS, mine);
        doc.assertDocuments("GET", TASKS, as(self).get(TASKS));
        doc.assertDocuments("GET", TASKS, as(supervisor).get(TASKS + "?limit=5&estado=finalizada"));
        doc.assertDocuments("GET", TASKS, as(self).get(TASKS + "?limit=500"));
        doc.assertDocuments("GET", TASKS, as(self).get(TASKS + "?delegado_usuario_id=" + (user + 1)));

        doc.assertDocuments("DELETE", TASK, as(self).delete(TASKS + "/" + id));
        doc.assertDocuments("DELETE", TASK, as(supervisor).delete(TASKS + "/" + id));
        doc.assertDocuments("DELETE", TASK, as(supervisor).delete(TASKS + "/" + id));
    }

    @Test
    void cacheAdministration() {
        OpenApiDocument doc = OpenApiDocument.served();
        String admin = Tokens.forUser(TestData.user(3), Roles.ADMIN);
        String supervisor = Tokens.forUser(TestData.user(2), Roles.SUPERVISOR);
        doc.assertDocuments("GET", "/api/v1/cache/stats", as(supervisor).get("/api/v1/cache/stats"));
        doc.assertDocuments("POST", "/api/v1/cache/invalidate/{key}", as(admin).urlEncodingEnabled(false)
                .post("/api/v1/cache/invalidate/stats:v1:%7Bu1%7D:d30"));
        doc.assertDocuments("POST", "/api/v1/cache/invalidate/{key}", as(admin).post("/api/v1/cache/invalidate/a..b"));
        doc.assertDocuments("POST", "/api/v1/cache/invalidate-pattern/{pattern}", as(admin).urlEncodingEnabled(false)
                .post("/api/v1/cache/invalidate-pattern/stats:v1:%7Bu1%7D:*"));
        doc.assertDocuments("POST", "/api/v1/cache/clear", as(supervisor).post("/api/v1/cache/clear"));
        doc.assertDocuments("POST", "/api/v1/cache/clear", as(admin).post("/api/v1/cache/clear"));
    }

    @Test
    void login() {
        OpenApiDocument doc = OpenApiDocument.served();
        String email = TestData.email(TestData.user(1));
        String path = "/api/v1/auth/login";
        doc.assertDocuments("POST", path, given().contentType("application/json")
                .body("{\"email\":\"" + email + "\",\"password\":\"" + TestData.PASSWORD + "\"}").post(path));
        doc.assertDocuments("POST", path, given().contentType("application/x-www-form-urlencoded")
                .formParam("username", email).formParam("password", TestData.PASSWORD).formParam("grant_type", "password").post(path));
        doc.assertDocuments("POST", path, given().contentType("application/json").body("{\"email\":\"" + email + "\"}").post(path));
        doc.assertDocuments("POST", path, given().contentType("application/json")
                .body("{\"email\":\"" + email + "\",\"password\":\"wrong\"}").post(path));
    }

    /** While Redis is down the answers change shape (null figures, another reason), never their documented schema. */
    @Test
    void redisDown() {
        OpenApiDocument doc = OpenApiDocument.served();
        long user = TestData.user(1);
        String admin = Tokens.forUser(TestData.user(3), Roles.ADMIN);
        LocalServicesResource.redis().stop();
        Response cacheStats = as(admin).get("/api/v1/cache/stats");
        assertEquals(false, cacheStats.path("connected"), cacheStats.asString());
        doc.assertDocuments("GET", "/api/v1/cache/stats", cacheStats);
        Response stats = as(admin).get("/api/v1/stats/user/" + user);
        assertEquals(false, stats.path("_cache.hit"), stats.asString());
        doc.assertDocuments("GET", STATS, stats);
        doc.assertDocuments("POST", "/api/v1/cache/clear", as(admin).post("/api/v1/cache/clear"));
        doc.assertDocuments("POST", "/api/v1/stats/invalidate/user/{userId}", as(admin).post("/api/v1/stats/invalidate/user/" + user));
    }
}
