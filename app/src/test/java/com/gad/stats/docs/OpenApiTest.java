package com.gad.stats.docs;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.notNullValue;

import org.junit.jupiter.api.Test;

import com.gad.stats.support.LocalServicesResource;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
public class OpenApiTest {

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
}
