package com.gad.stats.docs;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.gad.stats.support.LocalServicesResource;
import com.gad.stats.tasks.model.TaskChanges;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The OpenAPI document: complete, closed, true to the task bodies, and the one the client is generated from. */
@QuarkusTest
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
public class OpenApiTest {

    /** The document GeneratedClientTest's client is generated from (see the pom). */
    static final Path COMMITTED = Path.of("src/test/openapi/gad-stats.json");
    static final Path SERVED_COPY = Path.of("target/openapi/gad-stats.json");

    /** Schemas that accept members they do not list: the login body ignores anything else. */
    static final Set<String> OPEN = Set.of("LoginRequest");

    @Test
    void everyEndpointAndTheErrorShapeAreDescribed() {
        var doc = given().queryParam("format", "json").when().get("/q/openapi").then().statusCode(200);
        for (String path : new String[] { "/api/v1/auth/login", "/api/v1/stats/user/{userId}",
                "/api/v1/stats/invalidate/user/{userId}", "/api/v1/tasks", "/api/v1/tasks/{id}", "/api/v1/cache/stats",
                "/api/v1/cache/invalidate/{key}", "/api/v1/cache/invalidate-pattern/{pattern}", "/api/v1/cache/clear" }) {
            doc.body("paths", hasKey(path));
        }
        doc.body("components.schemas", hasKey("Problem"))
                .body("components.schemas", hasKey("UserStats"))
                .body("components.securitySchemes.jwt", notNullValue())
                .body("paths.'/api/v1/stats/user/{userId}'.get.responses", hasKey("404"))
                .body("paths.'/api/v1/stats/user/{userId}'.get.security", notNullValue())
                .body("paths.'/api/v1/tasks/{id}'.patch.responses", hasKey("409"));
    }

    /**
     * The client of GeneratedClientTest is generated at build time from the committed copy, so the
     * copy must be what the service serves. After an intended change of the API, copy the served
     * document over it (the failure says how) and review the diff like code.
     */
    @Test
    void theServedDocumentIsTheCommittedOne() throws IOException {
        JsonNode served = OpenApiDocument.served().root();
        Files.createDirectories(SERVED_COPY.getParent());
        Files.writeString(SERVED_COPY, OpenApiDocument.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(served) + "\n");
        JsonNode committed = OpenApiDocument.JSON.readTree(COMMITTED.toFile());
        if (!served.equals(committed)) {
            fail("/q/openapi differs from " + COMMITTED + "; if the change is intended: cp " + SERVED_COPY + " " + COMMITTED);
        }
    }

    @Test
    void taskBodiesDocumentExactlyTheMembersTheApiAccepts() {
        OpenApiDocument doc = OpenApiDocument.served();
        JsonNode create = doc.component("TaskCreateRequest");
        JsonNode update = doc.component("TaskUpdateRequest");
        assertEquals(TaskChanges.WRITABLE, names(create.path("properties")));
        assertEquals(TaskChanges.WRITABLE, names(update.path("properties")));
        assertEquals(TaskChanges.REQUIRED, values(create.path("required")));
        assertTrue(update.path("required").isMissingNode(), "a PATCH requires nothing");
        assertEquals(1, update.path("minProperties").asInt());
        assertEquals(List.of("estado"), names(doc.component("TaskEstadoRequest").path("properties")));
        JsonNode paths = doc.root().path("paths");
        String body = "/requestBody/content/application~1json/schema";
        assertEquals("#/components/schemas/TaskCreateRequest", paths.at("/~1api~1v1~1tasks/post" + body + "/$ref").asText());
        assertEquals("#/components/schemas/TaskUpdateRequest", paths.at("/~1api~1v1~1tasks~1{id}/patch" + body + "/$ref").asText());
        assertEquals(List.of("#/components/schemas/TaskCreateRequest", "#/components/schemas/TaskEstadoRequest"),
                paths.at("/~1api~1v1~1tasks~1{id}/put" + body + "/oneOf").findValuesAsText("$ref"));
        // what the API refuses as "Unknown or read-only field" is not offered
        for (String readOnly : List.of("id", "creado_por_usuario_id", "inicio_real", "fin_real", "created_at", "updated_at")) {
            assertFalse(create.path("properties").has(readOnly), readOnly);
        }
    }

    /** Every object schema lists all of its members (no undocumented member can validate), and every 2xx answer has a schema. */
    @Test
    void everySchemaIsClosedAndEverySuccessDescribed() {
        OpenApiDocument doc = OpenApiDocument.served();
        List<String> open = new ArrayList<>();
        doc.root().path("components").path("schemas").fields().forEachRemaining(schema -> {
            boolean object = "object".equals(schema.getValue().path("type").asText());
            if (object && !OPEN.contains(schema.getKey()) && !schema.getValue().path("additionalProperties").isBoolean()) {
                open.add(schema.getKey());
            }
        });
        assertEquals(List.of(), open, "object schemas that do not say additionalProperties: false");
        List<String> undescribed = new ArrayList<>();
        doc.root().path("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(operation -> {
            JsonNode responses = operation.getValue().path("responses");
            boolean success = false;
            for (Map.Entry<String, JsonNode> response : iterable(responses)) {
                if (response.getKey().startsWith("2")) {
                    success = true;
                    boolean empty = "204".equals(response.getKey());
                    if (empty != response.getValue().path("content").isMissingNode()) {
                        undescribed.add(operation.getKey() + " " + path.getKey() + " " + response.getKey());
                    }
                }
            }
            if (!success || path.getKey().contains("{") && !responses.has("400")) {
                undescribed.add(operation.getKey() + " " + path.getKey());
            }
        }));
        assertEquals(List.of(), undescribed, "operations without a described success (or a 400 for their parameters)");
    }

    static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    static List<String> values(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }

    static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode object) {
        return object::fields;
    }
}
