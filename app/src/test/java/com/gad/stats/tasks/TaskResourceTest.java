package com.gad.stats.tasks;

import static com.gad.stats.support.Api.awaitChangesApplied;
import static com.gad.stats.support.Api.getStats;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import com.gad.stats.cache.CacheKeys;
import com.gad.stats.auth.Roles;
import com.gad.stats.support.LocalServicesResource;
import com.gad.stats.support.TestData;
import com.gad.stats.support.Tokens;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;

@QuarkusTest
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
public class TaskResourceTest {

    static String supervisor() {
        return Tokens.forUser(TestData.user(2), Roles.SUPERVISOR);
    }

    static ValidatableResponse create(String token, String json) {
        return given().auth().oauth2(token).contentType("application/json").body(json)
                .when().post("/api/v1/tasks").then();
    }

    static long createTask(String token, long delegado) {
        return create(token, "{\"titulo\":\"Patrulla\",\"tipo\":\"patrullaje\",\"delegado_usuario_id\":" + delegado + "}")
                .statusCode(201).extract().jsonPath().getLong("id");
    }

    static ValidatableResponse patch(String token, long id, String json) {
        return given().auth().oauth2(token).contentType("application/json").body(json)
                .when().patch("/api/v1/tasks/" + id).then();
    }

    /** Warms the user's stats cache and returns the figures' total. */
    static int cachedTotal(long user) {
        awaitChangesApplied();
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        getStats(token, user, null).statusCode(200);
        return getStats(token, user, null).statusCode(200).body("_cache.hit", is(true)).extract().path("total");
    }

    @Test
    void createReturns201WithLocationAndInvalidatesTheDelegado() {
        long user = TestData.user(1);
        int before = cachedTotal(user);
        String token = supervisor();
        var created = create(token, """
                {"titulo":"Vigilancia nocturna","tipo":"vigilancia","prioridad":2,"delegado_usuario_id":%d,
                 "inicio_programado":"2025-10-12T20:00:00Z","fin_programado":"2025-10-13T04:00:00+02:00"}""".formatted(user))
                .statusCode(201)
                .body("codigo", notNullValue())
                .body("estado", is("programada"))
                .body("prioridad", is(2))
                .body("inicio_real", nullValue())
                .extract();
        long id = created.jsonPath().getLong("id");
        org.hamcrest.MatcherAssert.assertThat(created.header("Location"), endsWith("/api/v1/tasks/" + id));
        given().auth().oauth2(token).when().get("/api/v1/tasks/" + id).then().statusCode(200).body("titulo", is("Vigilancia nocturna"));

        getStats(Tokens.forUser(user, Roles.EFECTIVO), user, null).statusCode(200)
                .body("_cache.hit", is(false))
                .body("_cache.reason", is("stale"))
                .body("total", is(before + 1));
    }

    @Test
    void stateTransitionsStampRealTimesAndInvalidate() {
        long user = TestData.user(1);
        String staff = supervisor();
        long id = createTask(staff, user);
        String me = Tokens.forUser(user, Roles.EFECTIVO);

        cachedTotal(user);
        patch(me, id, "{\"estado\":\"en_curso\"}").statusCode(200).body("estado", is("en_curso")).body("inicio_real", notNullValue());
        getStats(me, user, null).statusCode(200).body("_cache.reason", is("stale")).body("en_progreso", is(1));

        patch(me, id, "{\"estado\":\"pausada\"}").statusCode(200).body("estado", is("pausada"));
        getStats(me, user, null).statusCode(200).body("pausadas", is(1)).body("en_progreso", is(0));
        patch(me, id, "{\"estado\":\"en_curso\"}").statusCode(200);
        patch(me, id, "{\"estado\":\"finalizada\"}").statusCode(200).body("fin_real", notNullValue());
        getStats(me, user, null).statusCode(200).body("_cache.hit", is(false)).body("completadas", is(1));

        // finalizada is final
        patch(me, id, "{\"estado\":\"en_curso\"}").statusCode(409).contentType("application/problem+json").body("field", is("estado"));
        patch(me, id, "{\"estado\":\"cancelada\"}").statusCode(409);
    }

    @Test
    void illegalTransitionsAre409AndChangeNothing() {
        long user = TestData.user(1);
        String staff = supervisor();
        long id = createTask(staff, user);
        patch(staff, id, "{\"estado\":\"finalizada\"}").statusCode(409);
        patch(staff, id, "{\"estado\":\"pausada\"}").statusCode(409);
        patch(staff, id, "{\"estado\":\"cancelada\"}").statusCode(200).body("estado", is("cancelada"));
        patch(staff, id, "{\"estado\":\"programada\"}").statusCode(409);
        given().auth().oauth2(staff).when().get("/api/v1/tasks/" + id).then().body("estado", is("cancelada"));
    }

    @Test
    void reassignmentInvalidatesBothDelegados() {
        long first = TestData.user(1);
        long second = TestData.user(1);
        String staff = supervisor();
        long id = createTask(staff, first);
        int firstBefore = cachedTotal(first);
        int secondBefore = cachedTotal(second);

        given().auth().oauth2(staff).contentType("application/json")
                .body("{\"titulo\":\"Patrulla\",\"tipo\":\"patrullaje\",\"delegado_usuario_id\":" + second + "}")
                .when().put("/api/v1/tasks/" + id).then().statusCode(200).body("delegado_usuario_id", is((int) second));

        getStats(Tokens.forUser(first, Roles.EFECTIVO), first, null).statusCode(200)
                .body("_cache.hit", is(false)).body("total", is(firstBefore - 1));
        getStats(Tokens.forUser(second, Roles.EFECTIVO), second, null).statusCode(200)
                .body("_cache.hit", is(false)).body("total", is(secondBefore + 1));
    }

    @Test
    void softDeleteHidesTheTaskAndInvalidates() {
        long user = TestData.user(1);
        String staff = supervisor();
        long id = createTask(staff, user);
        int before = cachedTotal(user);
        given().auth().oauth2(staff).when().delete("/api/v1/tasks/" + id).then().statusCode(204);
        given().auth().oauth2(staff).when().get("/api/v1/tasks/" + id).then().statusCode(404).contentType("application/problem+json");
        given().auth().oauth2(staff).when().delete("/api/v1/tasks/" + id).then().statusCode(404);
        getStats(Tokens.forUser(user, Roles.EFECTIVO), user, null).statusCode(200)
                .body("_cache.hit", is(false)).body("total", is(before - 1));
    }

    @Test
    void validationErrorsName400TheFieldAndWriteNothing() {
        long user = TestData.user(1);
        String staff = supervisor();
        String[][] cases = {
                { "{\"tipo\":\"patrullaje\",\"delegado_usuario_id\":" + user + "}", "titulo" },
                { "{\"titulo\":\"\",\"tipo\":\"patrullaje\",\"delegado_usuario_id\":" + user + "}", "titulo" },
                { "{\"titulo\":\"" + "x".repeat(201) + "\",\"tipo\":\"patrullaje\",\"delegado_usuario_id\":" + user + "}", "titulo" },
                { "{\"titulo\":\"t\",\"tipo\":\"fiesta\",\"delegado_usuario_id\":" + user + "}", "tipo" },
                { "{\"titulo\":\"t\",\"tipo\":\"patrullaje\",\"prioridad\":6,\"delegado_usuario_id\":" + user + "}", "prioridad" },
                { "{\"titulo\":\"t\",\"tipo\":\"patrullaje\",\"prioridad\":\"2\",\"delegado_usuario_id\":" + user + "}", "prioridad" },
                { "{\"titulo\":\"t\",\"tipo\":\"patrullaje\",\"estado\":\"done\",\"delegado_usuario_id\":" + user + "}", "estado" },
                { "{\"titulo\":\"t\",\"tipo\":\"patrullaje\",\"delegado_usuario_id\":-3}", "delegado_usuario_id" },
                { "{\"titulo\":\"t\",\"tipo\":\"patrullaje\",\"delegado_usuario_id\":987654321}", "delegado_usuario_id" },
                { "{\"titulo\":\"t\",\"tipo\":\"patrullaje\",\"delegado_usuario_id\":" + user + ",\"inicio_programado\":\"mañana\"}", "inicio_programado" },
                { "{\"titulo\":\"t\",\"tipo\":\"patrullaje\",\"delegado_usuario_id\":" + user
                        + ",\"inicio_programado\":\"2025-10-12T20:00:00Z\",\"fin_programado\":\"2025-10-12T19:00:00Z\"}", "fin_programado" },
                { "{\"titulo\":\"t\",\"tipo\":\"patrullaje\",\"delegado_usuario_id\":" + user + ",\"inicio_real\":\"2025-10-12T20:00:00Z\"}", "inicio_real" },
                { "{\"titulo\":\"t\",\"tipo\":\"patrullaje\",\"delegado_usuario_id\":" + user + ",\"codigo\":\"a b\"}", "codigo" },
        };
        for (String[] c : cases) {
            create(staff, c[0]).statusCode(400).contentType("application/problem+json").body("field", is(c[1]));
        }
        given().auth().oauth2(staff).when().get("/api/v1/tasks?delegado_usuario_id=" + user).then()
                .statusCode(200).body("items", hasSize(0));
    }

    @Test
    void duplicateCodigoIs409() {
        long user = TestData.user(1);
        String staff = supervisor();
        String body = "{\"codigo\":\"DUP-" + user + "\",\"titulo\":\"t\",\"tipo\":\"patrullaje\",\"delegado_usuario_id\":" + user + "}";
        create(staff, body).statusCode(201);
        create(staff, body).statusCode(409).body("field", is("codigo"));
    }

    @Test
    void rolesAndOwnershipOnWrites() {
        long me = TestData.user(1);
        long other = TestData.user(1);
        String staff = supervisor();
        long mine = createTask(staff, me);
        long theirs = createTask(staff, other);
        String token = Tokens.forUser(me, Roles.EFECTIVO);

        create(token, "{\"titulo\":\"t\",\"tipo\":\"patrullaje\",\"delegado_usuario_id\":" + me + "}").statusCode(403);
        patch(token, mine, "{\"titulo\":\"otro\"}").statusCode(403);
        patch(token, mine, "{\"estado\":\"en_curso\",\"prioridad\":1}").statusCode(403);
        patch(token, theirs, "{\"estado\":\"en_curso\"}").statusCode(403);
        given().auth().oauth2(token).when().get("/api/v1/tasks/" + theirs).then().statusCode(403);
        given().auth().oauth2(token).when().delete("/api/v1/tasks/" + mine).then().statusCode(403);
        patch(token, mine, "{\"estado\":\"en_curso\"}").statusCode(200);
        given().auth().oauth2(Tokens.forUser(TestData.user(3), Roles.ADMIN)).when().delete("/api/v1/tasks/" + theirs)
                .then().statusCode(204);
    }

    @Test
    void listsAreScopedFilteredPagedAndCached() {
        long me = TestData.user(1);
        long other = TestData.user(1);
        String staff = supervisor();
        for (int i = 0; i < 3; i++) {
            createTask(staff, me);
        }
        createTask(staff, other);
        TestData.task(me, "finalizada", Duration.ofDays(1));
        awaitChangesApplied();
        String token = Tokens.forUser(me, Roles.EFECTIVO);

        given().auth().oauth2(token).when().get("/api/v1/tasks").then().statusCode(200)
                .body("items", hasSize(4))
                .body("items.delegado_usuario_id", everyItem(is((int) me)))
                .body("limit", is(100))
                .body("_cache.hit", is(false));
        given().auth().oauth2(token).when().get("/api/v1/tasks").then().statusCode(200)
                .body("items", hasSize(4)).body("_cache.hit", is(true));
        given().auth().oauth2(token).when().get("/api/v1/tasks?estado=finalizada").then().statusCode(200)
                .body("items", hasSize(1));
        given().auth().oauth2(token).when().get("/api/v1/tasks?limit=2&offset=1").then().statusCode(200)
                .body("items", hasSize(2)).body("offset", is(1));
        given().auth().oauth2(token).when().get("/api/v1/tasks?delegado_usuario_id=" + other).then().statusCode(403);
        given().auth().oauth2(token).when().get("/api/v1/tasks?limit=101").then().statusCode(400).body("field", is("limit"));
        given().auth().oauth2(token).when().get("/api/v1/tasks?estado=x").then().statusCode(400).body("field", is("estado"));

        // a write invalidates the cached list too
        createTask(staff, me);
        given().auth().oauth2(token).when().get("/api/v1/tasks").then().statusCode(200)
                .body("items", hasSize(5)).body("_cache.hit", is(false));

        given().auth().oauth2(staff).when().get("/api/v1/tasks?delegado_usuario_id=" + other).then().statusCode(200)
                .body("items", hasSize(1));
        given().auth().oauth2(staff).when().get("/api/v1/tasks?limit=5").then().statusCode(200)
                .body("items", hasSize(5)).body("_cache.reason", is("bypass"));
    }

    @Test
    void largeCachedValuesAreCompressedAndReadBackIntact() {
        long me = TestData.user(1);
        for (int i = 0; i < 20; i++) {
            TestData.task(me, "programada", Duration.ofHours(i + 1));
        }
        awaitChangesApplied();
        String token = Tokens.forUser(me, Roles.EFECTIVO);
        String fromDatabase = given().auth().oauth2(token).when().get("/api/v1/tasks").then().statusCode(200)
                .body("_cache.hit", is(false)).extract().jsonPath().getList("items").toString();

        byte[] stored = (byte[]) com.gad.stats.support.RedisProbe.call("GET", "gad:tasks:" + CacheKeys.FORMAT_VERSION + ":{u" + me + "}:l100:o0:eall");
        int separator = indexOf(stored, (byte) 0x1F);
        org.junit.jupiter.api.Assertions.assertEquals('z', (char) stored[separator + 1], "stored gzip-compressed");
        org.junit.jupiter.api.Assertions.assertTrue(stored.length < fromDatabase.length(), "compressed is smaller");

        String fromCache = given().auth().oauth2(token).when().get("/api/v1/tasks").then().statusCode(200)
                .body("_cache.hit", is(true)).extract().jsonPath().getList("items").toString();
        org.junit.jupiter.api.Assertions.assertEquals(fromDatabase, fromCache);
    }

    static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
