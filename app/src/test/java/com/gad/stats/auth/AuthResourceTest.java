package com.gad.stats.auth;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.gad.stats.support.LocalServicesResource;
import com.gad.stats.support.TestData;

import at.favre.lib.crypto.bcrypt.BCrypt;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

@QuarkusTest
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
public class AuthResourceTest {

    static String loginJson(String email, String password) {
        return given().contentType("application/json")
                .body("{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}")
                .when().post("/api/v1/auth/login")
                .then().statusCode(200)
                .body("token_type", is("bearer"))
                .body("expires_in", is(3600))
                .extract().path("access_token");
    }

    static JsonPath claims(String token) {
        String payload = token.split("\\.")[1];
        return JsonPath.from(new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8));
    }

    @Test
    void jsonLoginIssuesATokenWithTheContractClaims() {
        long id = TestData.user(2);
        String email = TestData.email(id);
        String token = loginJson(email, TestData.PASSWORD);

        JsonPath claims = claims(token);
        assertEquals(Long.toString(id), claims.getString("sub"));
        assertEquals(email, claims.getString("upn"));
        assertEquals(List.of("supervisor"), claims.getList("groups"));
        assertEquals("gad-stats", claims.getString("iss"));
        assertEquals("RS256", JsonPath.from(new String(Base64.getUrlDecoder().decode(token.split("\\.")[0]))).getString("alg"));

        given().auth().oauth2(token).when().get("/api/v1/stats/user/" + id).then().statusCode(200);
    }

    @Test
    void formLoginWorksLikeOAuth2PasswordGrant() {
        long id = TestData.user(1);
        String token = given().contentType("application/x-www-form-urlencoded")
                .formParam("username", TestData.email(id))
                .formParam("password", TestData.PASSWORD)
                .formParam("grant_type", "password")
                .when().post("/api/v1/auth/login")
                .then().statusCode(200)
                .body("access_token", notNullValue())
                .extract().path("access_token");
        assertEquals(List.of("efectivo"), claims(token).getList("groups"));
    }

    @Test
    void wrongPasswordAndUnknownEmailGetTheSame401() {
        long id = TestData.user(1);
        String bad = given().contentType("application/json")
                .body("{\"email\":\"" + TestData.email(id) + "\",\"password\":\"wrong\"}")
                .when().post("/api/v1/auth/login")
                .then().statusCode(401).contentType("application/problem+json")
                .extract().asString();
        String unknown = given().contentType("application/json")
                .body("{\"email\":\"nobody@gad.test\",\"password\":\"wrong\"}")
                .when().post("/api/v1/auth/login")
                .then().statusCode(401).contentType("application/problem+json")
                .extract().asString();
        assertEquals(bad, unknown);
    }

    @ParameterizedTest
    @ValueSource(strings = { "2a", "2b", "2y" })
    void bcryptHashesOfEveryStandardVariantVerify(String variant) {
        BCrypt.Version version = switch (variant) {
            case "2b" -> BCrypt.Version.VERSION_2B;
            case "2y" -> BCrypt.Version.VERSION_2Y;
            default -> BCrypt.Version.VERSION_2A;
        };
        String hash = BCrypt.with(version).hashToString(4, "other-tool-pass".toCharArray());
        assertTrue(hash.startsWith("$" + variant + "$"));
        String email = "variant-" + variant + "-" + System.nanoTime() + "@gad.test";
        TestData.user(email, 1, hash);
        loginJson(email, "other-tool-pass");
    }

    @Test
    void missingFieldsAre400NamingTheField() {
        given().contentType("application/json").body("{\"email\":\"a@b.c\"}")
                .when().post("/api/v1/auth/login")
                .then().statusCode(400).contentType("application/problem+json").body("field", is("password"));
        given().contentType("application/x-www-form-urlencoded").formParam("password", "x")
                .when().post("/api/v1/auth/login")
                .then().statusCode(400).contentType("application/problem+json").body("field", is("username"));
        given().contentType("application/json").body("{not json")
                .when().post("/api/v1/auth/login")
                .then().statusCode(400).contentType("application/problem+json");
    }

    @Test
    void theBootstrapAdministratorExistsAndLogsIn() {
        // GAD_BOOTSTRAP_ADMIN_EMAIL/PASSWORD of the test profile (application.properties)
        String token = loginJson("bootstrap-admin@gad.test", "bootstrap-Passw0rd");
        assertEquals(List.of("admin"), claims(token).getList("groups"));
    }
}
