package com.gad.stats.docs;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;

import io.restassured.response.Response;

/**
 * The served OpenAPI document, and validation of real answers against it. OpenAPI 3.1 schemas are
 * JSON Schema 2020-12, so a standard validator checks them; each answer is checked against the
 * schema that the document gives for its operation, status and media type, so an undocumented
 * status or media type fails as well as a wrong body.
 */
final class OpenApiDocument {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final SchemaRegistry SCHEMAS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
            builder -> builder.schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));

    private final JsonNode document;

    private OpenApiDocument(JsonNode document) {
        this.document = document;
    }

    /** What {@code /q/openapi} serves now. */
    static OpenApiDocument served() {
        return new OpenApiDocument(read(given().queryParam("format", "json").when().get("/q/openapi")
                .then().statusCode(200).extract().asString()));
    }

    static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    JsonNode root() {
        return document;
    }

    JsonNode component(String name) {
        JsonNode schema = document.path("components").path("schemas").path(name);
        assertFalse(schema.isMissingNode(), "no schema " + name);
        return schema;
    }

    /**
     * Asserts that {@code response}, the answer to {@code method} on the path template, is
     * documented for its status and content type, and that its body validates against that schema.
     */
    void assertDocuments(String method, String pathTemplate, Response response) {
        String status = Integer.toString(response.statusCode());
        String where = method + " " + pathTemplate + " → " + status;
        JsonNode documented = document.path("paths").path(pathTemplate).path(method.toLowerCase(Locale.ROOT))
                .path("responses").path(status);
        assertFalse(documented.isMissingNode(), where + " is not documented");
        String body = response.asString();
        if (body.isEmpty()) {
            assertTrue(documented.path("content").isMissingNode(), where + ": documented with content, answered none");
            return;
        }
        String mediaType = response.contentType().split(";")[0].trim();
        JsonNode schema = documented.path("content").path(mediaType).path("schema");
        assertFalse(schema.isMissingNode(), where + ": no schema for " + mediaType);
        assertValid(schema, read(body), where + " " + body);
    }

    /** Validates {@code instance} against {@code schema}, whose {@code $ref}s point into this document's components. */
    void assertValid(JsonNode schema, JsonNode instance, String what) {
        ObjectNode resolvable = schema.deepCopy();
        resolvable.set("components", document.path("components"));
        Schema validator = SCHEMAS.getSchema(resolvable);
        List<Error> errors = validator.validate(instance);
        assertTrue(errors.isEmpty(), what + "\n  " + errors);
    }
}
