package com.gad.stats.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.gad.stats.auth.Roles;
import com.gad.stats.support.LocalServicesResource;
import com.gad.stats.support.TestData;
import com.gad.stats.support.Tokens;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * The exact problem documents of refused input and refused operations: clients match on
 * {@code field} and show {@code detail}, so these bodies are part of the contract. Every path and
 * query parameter is covered with a malformed value (the type conversion refuses it) and an
 * out-of-range one (Bean Validation refuses it); both must read the same.
 */
@QuarkusTest
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
public class ProblemBodiesTest {

    static final String ESTADOS = "programada, en_curso, pausada, finalizada, cancelada";

    static long efectivo;
    static long task;
    static long finalizada;
    static String codigo;
    static String admin;

    @BeforeAll
    static void fixture() {
        efectivo = TestData.user(1);
        task = TestData.task(efectivo, "programada", Duration.ofHours(1));
        finalizada = TestData.task(efectivo, "finalizada", Duration.ofHours(1), Duration.ofMinutes(1), Duration.ofMinutes(5), false);
        codigo = Db.one("SELECT codigo FROM tareas WHERE id = " + task);
        admin = Tokens.forUser(TestData.user(3), Roles.ADMIN);
    }

    static String expand(String template) {
        return template.replace("$USER", Long.toString(efectivo)).replace("$TASK", Long.toString(task))
                .replace("$DONE", Long.toString(finalizada)).replace("$OTHER", Long.toString(efectivo + 1)).replace("$CODIGO", codigo);
    }

    @ParameterizedTest(name = "{0} {1} {2} → {3} {4}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            GET    | /api/v1/stats/user/abc                     | -  | 400 | userId              | userId must be a positive integer
            GET    | /api/v1/stats/user/0                       | -  | 400 | userId              | userId must be a positive integer
            GET    | /api/v1/stats/user/-1                      | -  | 400 | userId              | userId must be a positive integer
            GET    | /api/v1/stats/user/+1                      | -  | 400 | userId              | userId must be a positive integer
            GET    | /api/v1/stats/user/1.0                     | -  | 400 | userId              | userId must be a positive integer
            GET    | /api/v1/stats/user/%D9%A1                  | -  | 400 | userId              | userId must be a positive integer
            GET    | /api/v1/stats/user/9223372036854775808     | -  | 400 | userId              | userId must be a positive integer
            GET    | /api/v1/stats/user/$USER?days=0            | -  | 400 | days                | days must be an integer between 1 and 365
            GET    | /api/v1/stats/user/$USER?days=366          | -  | 400 | days                | days must be an integer between 1 and 365
            GET    | /api/v1/stats/user/$USER?days=-5           | -  | 400 | days                | days must be an integer between 1 and 365
            GET    | /api/v1/stats/user/$USER?days=ten          | -  | 400 | days                | days must be an integer between 1 and 365
            GET    | /api/v1/stats/user/$USER?days=2147483648   | -  | 400 | days                | days must be an integer between 1 and 365
            GET    | /api/v1/stats/user/$USER?days=1e2          | -  | 400 | days                | days must be an integer between 1 and 365
            GET    | /api/v1/stats/user/$USER?use_cache=maybe   | -  | 400 | use_cache           | use_cache must be true or false
            GET    | /api/v1/stats/user/$USER?use_cache=1       | -  | 400 | use_cache           | use_cache must be true or false
            POST   | /api/v1/stats/invalidate/user/x            | -  | 400 | userId              | userId must be a positive integer
            POST   | /api/v1/stats/invalidate/user/0            | -  | 400 | userId              | userId must be a positive integer
            GET    | /api/v1/tasks?limit=0                      | -  | 400 | limit               | limit must be an integer between 1 and 100
            GET    | /api/v1/tasks?limit=101                    | -  | 400 | limit               | limit must be an integer between 1 and 100
            GET    | /api/v1/tasks?limit=x                      | -  | 400 | limit               | limit must be an integer between 1 and 100
            GET    | /api/v1/tasks?offset=-1                    | -  | 400 | offset              | offset must be an integer between 0 and 1000000
            GET    | /api/v1/tasks?offset=1000001               | -  | 400 | offset              | offset must be an integer between 0 and 1000000
            GET    | /api/v1/tasks?offset=%20                   | -  | 400 | offset              | offset must be an integer between 0 and 1000000
            GET    | /api/v1/tasks?estado=x                     | -  | 400 | estado              | estado must be one of $ESTADOS
            GET    | /api/v1/tasks?estado=PROGRAMADA            | -  | 400 | estado              | estado must be one of $ESTADOS
            GET    | /api/v1/tasks?delegado_usuario_id=0        | -  | 400 | delegado_usuario_id | delegado_usuario_id must be a positive integer
            GET    | /api/v1/tasks?delegado_usuario_id=me       | -  | 400 | delegado_usuario_id | delegado_usuario_id must be a positive integer
            GET    | /api/v1/tasks/abc                          | -  | 400 | id                  | id must be a positive integer
            GET    | /api/v1/tasks/0                            | -  | 400 | id                  | id must be a positive integer
            PUT    | /api/v1/tasks/abc                          | {"estado":"en_curso"} | 400 | id | id must be a positive integer
            PATCH  | /api/v1/tasks/-3                           | {"estado":"en_curso"} | 400 | id | id must be a positive integer
            DELETE | /api/v1/tasks/x1                           | -  | 400 | id                  | id must be a positive integer
            GET    | /api/v1/tasks/987654321                    | -  | 404 | -                   | No task with id 987654321
            DELETE | /api/v1/tasks/987654321                    | -  | 404 | -                   | No task with id 987654321
            PATCH  | /api/v1/tasks/987654321                    | {"estado":"en_curso"} | 404 | - | No task with id 987654321
            PATCH  | /api/v1/tasks/$DONE                        | {"estado":"en_curso"} | 409 | estado | A task cannot go from finalizada to en_curso
            PATCH  | /api/v1/tasks/$TASK                        | {"codigo":"OTHER-1"} | 400 | codigo | codigo cannot be changed
            PATCH  | /api/v1/tasks/$TASK                        | {} | 400 | - | The body must contain at least one field to change
            PATCH  | /api/v1/tasks/$TASK                        | [] | 400 | - | The body must be a JSON object
            PATCH  | /api/v1/tasks/$TASK                        | {"estado":"x"} | 400 | estado | estado must be one of $ESTADOS
            PATCH  | /api/v1/tasks/$TASK                        | {"inicio_programado":"2025-10-12T10:00:00Z","fin_programado":"2025-10-12T09:00:00Z"} | 400 | fin_programado | fin_programado must not be before inicio_programado
            PUT    | /api/v1/tasks/$TASK                        | {"titulo":"x","tipo":"patrullaje"} | 400 | delegado_usuario_id | delegado_usuario_id is required
            POST   | /api/v1/tasks                              | {"titulo":"x","tipo":"patrullaje","delegado_usuario_id":987654321} | 400 | delegado_usuario_id | delegado_usuario_id is not an existing user
            POST   | /api/v1/tasks                              | {"titulo":"x","tipo":"patrullaje","delegado_usuario_id":$USER,"codigo":"$CODIGO"} | 409 | codigo | A task with this codigo already exists
            POST   | /api/v1/tasks                              | {"titulo":"x","tipo":"patrullaje","delegado_usuario_id":$USER,"id":5} | 400 | id | Unknown or read-only field
            POST   | /api/v1/tasks                              | {"titulo":"x","delegado_usuario_id":$USER} | 400 | tipo | tipo is required
            """)
    void asAdmin(String method, String path, String body, int status, String field, String detail) {
        check(admin, method, path, body, status, field, detail);
    }

    @ParameterizedTest(name = "{0} {1} {2} → {3} {4}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            GET    | /api/v1/tasks?delegado_usuario_id=$OTHER  | -  | 403 | -  | You may only list your own tasks
            GET    | /api/v1/stats/user/$OTHER                 | -  | 403 | -  | You may only access your own data
            POST   | /api/v1/tasks                             | {"titulo":"x","tipo":"patrullaje","delegado_usuario_id":$USER} | 403 | - | Your role does not allow this operation
            DELETE | /api/v1/tasks/$TASK                       | -  | 403 | -  | Your role does not allow this operation
            PATCH  | /api/v1/tasks/$TASK                       | {"titulo":"y"} | 403 | - | An efectivo may only change the estado of their own tasks
            PUT    | /api/v1/tasks/$TASK                       | {"titulo":"y","tipo":"patrullaje","delegado_usuario_id":$USER} | 403 | - | An efectivo may only change the estado of their own tasks
            """)
    void asTheEfectivo(String method, String path, String body, int status, String field, String detail) {
        check(Tokens.forUser(efectivo, Roles.EFECTIVO), method, path, body, status, field, detail);
    }

    @ParameterizedTest(name = "{0} {1} → {2}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            application/x-www-form-urlencoded | password=x                          | username | username is required
            application/x-www-form-urlencoded | username=%20%20&password=x          | username | username is required
            application/x-www-form-urlencoded | username=a%40b                      | password | password is required
            application/x-www-form-urlencoded | username=a%00b%40c&password=x       | username | username must not contain control characters
            application/json                  | {"email":"a@b"}                     | password | password must not be blank
            """)
    void login(String contentType, String body, String field, String detail) {
        Response response = given().contentType(contentType).body(body).post("/api/v1/auth/login");
        assertEquals(400, response.statusCode(), response.asString());
        assertEquals("{\"type\":\"about:blank\",\"title\":\"Invalid request\",\"status\":400,\"detail\":\"" + detail
                + "\",\"field\":\"" + field + "\"}", response.asString());
    }

    @Test
    void longLoginFormFieldsAreRefusedByName() {
        for (String field : new String[] { "username", "password" }) {
            String other = field.equals("username") ? "password=x" : "username=a%40b";
            Response response = given().contentType("application/x-www-form-urlencoded")
                    .body(field + "=" + "x".repeat(1025) + "&" + other).post("/api/v1/auth/login");
            assertEquals("{\"type\":\"about:blank\",\"title\":\"Invalid request\",\"status\":400,\"detail\":\"" + field
                    + " is too long\",\"field\":\"" + field + "\"}", response.asString());
        }
    }

    @Test
    void differentlyCasedValuesAreAcceptedAndEmptyStatsParametersAreNot() {
        // SPEC §3: days= (present but empty) is invalid input, not the default
        check(admin, "GET", "/api/v1/stats/user/$USER?days=&use_cache=", null, 400, "days", "days must be an integer between 1 and 365");
        given().auth().oauth2(admin).when().get(expand("/api/v1/stats/user/$USER?days=007&use_cache=FALSE")).then()
                .statusCode(200).body("period_days", is(7)).body("_cache.reason", is("bypass"));
        given().auth().oauth2(admin).when().get("/api/v1/tasks?limit=&offset=").then()
                .statusCode(200).body("limit", is(100)).body("offset", is(0));
    }

    static void check(String token, String method, String path, String body, int status, String field, String detail) {
        var request = given().auth().oauth2(token).urlEncodingEnabled(false);
        if (body != null) {
            request.contentType("application/json").body(expand(body));
        }
        Response response = request.request(method, expand(path));
        String expected = "{\"type\":\"about:blank\",\"title\":\"" + title(status) + "\",\"status\":" + status + ",\"detail\":\""
                + expand(detail).replace("$ESTADOS", ESTADOS) + "\"" + (field == null ? "" : ",\"field\":\"" + field + "\"") + "}";
        assertEquals(status, response.statusCode(), response.asString());
        assertEquals("application/problem+json", response.contentType().split(";")[0]);
        assertEquals(expected, response.asString());
    }

    static String title(int status) {
        return switch (status) {
            case 400 -> "Invalid request";
            case 403 -> "Forbidden";
            case 404 -> "Not found";
            case 409 -> "Conflict";
            default -> throw new IllegalArgumentException(Integer.toString(status));
        };
    }
}

