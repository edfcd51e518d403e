package com.gad.stats.security;

import static com.gad.stats.security.JwtForge.claims;
import static com.gad.stats.security.JwtForge.now;
import static com.gad.stats.security.JwtForge.validClaims;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import com.gad.stats.auth.Roles;
import com.gad.stats.support.LocalServicesResource;
import com.gad.stats.support.TestData;
import com.gad.stats.support.Tokens;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * SPEC §6: every token that is not a valid RS256 token of our issuer with a numeric {@code sub}
 * is rejected with 401 on every protected endpoint, logged with its reason and without the
 * token; a token minted by another library with the right key is accepted.
 */
@QuarkusTest
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
public class JwtMatrixTest {

    /** A rejected credential: what is sent in Authorization, and the reason the log must give. */
    record Rejected(String name, String authorization, String reason) {
    }

    static List<Rejected> rejectedCredentials(long user) {
        var key = Tokens.key();
        var other = Tokens.otherKey();
        String valid = JwtForge.rs256(validClaims(user, Roles.ADMIN), key);
        long now = now();
        String iss = Tokens.ISSUER;
        String admin = Roles.ADMIN;
        List<Rejected> list = new ArrayList<>();
        list.add(new Rejected("no token", null, "no bearer token"));
        list.add(new Rejected("empty bearer", "Bearer ", "no bearer token"));
        list.add(new Rejected("basic scheme", "Basic " + Base64.getEncoder().encodeToString("admin:demo1234".getBytes()), "no bearer token"));
        list.add(new Rejected("malformed: one word", "Bearer not-a-jwt", "malformed token"));
        list.add(new Rejected("malformed: a.b.c", "Bearer a.b.c", "malformed token"));
        list.add(new Rejected("malformed: signature cut", "Bearer " + valid.substring(0, valid.lastIndexOf('.') + 1), "bad signature"));
        list.add(new Rejected("malformed: two tokens", "Bearer " + valid + " " + valid, "signature algorithm not allowed"));
        list.add(new Rejected("malformed: payload not JSON", "Bearer " + JwtForge.rs256("not json", key), "malformed token"));
        list.add(new Rejected("alg none, no signature", "Bearer " + JwtForge.none(validClaims(user, admin), ""), "signature algorithm not allowed"));
        list.add(new Rejected("alg none, signature kept", "Bearer " + JwtForge.none(validClaims(user, admin), valid.split("\\.")[2]), "signature algorithm not allowed"));
        list.add(new Rejected("HS256 keyed with the public key PEM", "Bearer " + JwtForge.hs256(validClaims(user, admin), JwtForge.resource("publicKey.pem")), "signature algorithm not allowed"));
        list.add(new Rejected("HS256 keyed with the public key base64", "Bearer " + JwtForge.hs256(validClaims(user, admin), pemBody("publicKey.pem")), "signature algorithm not allowed"));
        list.add(new Rejected("RS512 with the right key", "Bearer " + JwtForge.rs("RS512", null, validClaims(user, admin), key), "signature algorithm not allowed"));
        list.add(new Rejected("wrong key", "Bearer " + JwtForge.rs256(validClaims(user, admin), other), "bad signature"));
        list.add(new Rejected("wrong key, its JWK embedded in the header", "Bearer " + JwtForge.rs("RS256", "\"jwk\":" + JwtForge.jwk(other), validClaims(user, admin), other), "bad signature"));
        list.add(new Rejected("wrong key, kid path traversal", "Bearer " + JwtForge.rs("RS256", "\"kid\":\"../../../../dev/null\"", validClaims(user, admin), other), "bad signature"));
        list.add(new Rejected("wrong issuer", "Bearer " + JwtForge.rs256(claims(Long.toString(user), admin, "someone-else", now, now + 600, null), key), "wrong or missing issuer"));
        list.add(new Rejected("no issuer", "Bearer " + JwtForge.rs256(claims(Long.toString(user), admin, null, now, now + 600, null), key), "wrong or missing issuer"));
        list.add(new Rejected("expired", "Bearer " + JwtForge.rs256(claims(Long.toString(user), admin, iss, now - 7200, now - 3600, null), key), "expired"));
        list.add(new Rejected("no exp", "Bearer " + JwtForge.rs256(claims(Long.toString(user), admin, iss, now, 0, null), key), "required claim missing"));
        list.add(new Rejected("not yet valid", "Bearer " + JwtForge.rs256(claims(Long.toString(user), admin, iss, now, now + 7200, "\"nbf\":" + (now + 3600)), key), "not yet valid"));
        list.add(new Rejected("tampered payload (other sub)", "Bearer " + JwtForge.withPayload(valid, validClaims(user + 1, admin)), "bad signature"));
        list.add(new Rejected("tampered payload (role raised)", "Bearer " + JwtForge.withPayload(
                JwtForge.rs256(validClaims(user, Roles.EFECTIVO), key), validClaims(user, admin)), "bad signature"));
        list.add(new Rejected("missing sub", "Bearer " + JwtForge.rs256(claims(null, admin, iss, now, now + 600, null), key), "sub missing"));
        for (String sub : List.of("abc", "-5", "0", "1.0", " 1", "1e3", "0x1F", "99999999999999999999", "١٢", "")) {
            list.add(new Rejected("sub \"" + sub + "\"", "Bearer " + JwtForge.rs256(claims(sub, admin, iss, now, now + 600, null), key), "sub is not a user id"));
        }
        list.add(new Rejected("sub a JSON number", "Bearer " + JwtForge.rs256(claims("#" + user, admin, iss, now, now + 600, null), key), "malformed token"));
        return list;
    }

    private static byte[] pemBody(String resource) {
        String pem = new String(JwtForge.resource(resource), StandardCharsets.US_ASCII);
        return pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "").getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void everyRejectedTokenIs401OnEveryEndpointAndIsLoggedWithoutTheToken() {
        long user = TestData.user(3);
        long task = TestData.task(user, "programada", Duration.ofHours(1));
        List<Rejected> credentials = rejectedCredentials(user);
        List<Endpoints.Call> endpoints = Endpoints.all(user, task);
        List<String> failures = new ArrayList<>();
        String expectedBody = null;
        int cases = 0;
        // the test profile asks for DEBUG on the token parser; min-level keeps it at INFO
        assertEquals(java.util.logging.Level.INFO, java.util.logging.Logger.getLogger("io.quarkus.smallrye.jwt").getLevel());
        try (LogCapture logs = LogCapture.start()) {
            for (Rejected credential : credentials) {
                for (Endpoints.Call call : endpoints) {
                    cases++;
                    int mark = logs.mark();
                    Response response = call.send(credential.authorization());
                    String where = credential.name() + " → " + call;
                    if (response.statusCode() != 401) {
                        failures.add(where + ": status " + response.statusCode() + " " + response.asString());
                        continue;
                    }
                    if (!"application/problem+json".equals(response.contentType().split(";")[0])) {
                        failures.add(where + ": content type " + response.contentType());
                    }
                    if (!"Bearer".equals(response.header("WWW-Authenticate"))) {
                        failures.add(where + ": WWW-Authenticate " + response.header("WWW-Authenticate"));
                    }
                    // one body for every rejection: the client learns nothing about why
                    expectedBody = expectedBody == null ? response.asString() : expectedBody;
                    if (!expectedBody.equals(response.asString())) {
                        failures.add(where + ": body differs: " + response.asString());
                    }
                    List<String> logged = logs.since(mark).stream().filter(l -> l.contains(" 401 " + call.method() + " ")).toList();
                    if (logged.size() != 1 || !logged.get(0).startsWith("INFO") || !logged.get(0).endsWith(": " + credential.reason())) {
                        failures.add(where + ": expected one INFO line with reason '" + credential.reason() + "', got " + logged);
                    }
                }
            }
            for (Rejected credential : credentials) {
                for (String secret : secretsOf(credential.authorization())) {
                    String line = logs.find(secret);
                    if (line != null) {
                        failures.add(credential.name() + ": token text logged: " + line);
                    }
                }
            }
        }
        System.out.printf("[security] JWT matrix: %d cases (%d rejected credentials x %d endpoints), %d failures%n",
                cases, credentials.size(), endpoints.size(), failures.size());
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + cases + " cases failed:\n" + String.join("\n", failures));
        }

        // the control: the same endpoints with a valid token are not 401
        String valid = "Bearer " + JwtForge.rs256(validClaims(user, Roles.ADMIN), Tokens.key());
        for (Endpoints.Call call : endpoints) {
            assertNotEquals(401, call.send(valid).statusCode(), call.toString());
        }
    }

    /** The parts of a credential that must never be logged: the whole token and its payload and signature. */
    static List<String> secretsOf(String authorization) {
        if (authorization == null || !authorization.startsWith("Bearer ") || authorization.length() < 20) {
            return List.of();
        }
        String token = authorization.substring("Bearer ".length());
        List<String> secrets = new ArrayList<>();
        secrets.add(token);
        for (String part : token.split("[. ]")) {
            if (part.length() >= 16 && !part.startsWith("eyJhbGciOiJ")) {
                secrets.add(part);
            }
        }
        return secrets;
    }

    // --- interoperability -----------------------------------------------------------------------

    /** A Python with PyJWT (Debian's python3-jwt), or null. */
    static String pythonWithPyJwt() {
        for (String python : List.of("/usr/bin/python3", "python3")) {
            try {
                Process p = new ProcessBuilder(python, "-c", "import jwt, cryptography").redirectErrorStream(true).start();
                if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return python;
                }
            } catch (IOException | InterruptedException e) {
                // not this one
            }
        }
        return null;
    }

    static String python(String python, String script, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(python, "-c", script));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "python timed out");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void tokensInteroperateWithPyJwt() throws Exception {
        String python = pythonWithPyJwt();
        if (python == null) {
            // CI installs python3-jwt (.ci/run) and must run this; elsewhere it is optional
            assertNull(System.getenv("CI"), "CI must have PyJWT (Debian python3-jwt) for the interoperability test");
            Assumptions.abort("PyJWT (python3-jwt) is not installed");
        }
        long user = TestData.user(1);
        File privateKey = new File(Thread.currentThread().getContextClassLoader().getResource("privateKey.pem").toURI());
        File publicKey = new File(Thread.currentThread().getContextClassLoader().getResource("publicKey.pem").toURI());

        // minted by PyJWT with the right key: accepted
        String minted = python(python, """
                import sys, time, jwt
                key = open(sys.argv[1]).read()
                now = int(time.time())
                print(jwt.encode({"sub": sys.argv[2], "upn": "py@gad.test", "groups": ["efectivo"], "iss": sys.argv[3],
                                  "iat": now, "exp": now + 300}, key, algorithm="RS256"))
                """, privateKey.getPath(), Long.toString(user), Tokens.ISSUER);
        io.restassured.RestAssured.given().auth().oauth2(minted).when().get("/api/v1/stats/user/" + user)
                .then().statusCode(200);
        io.restassured.RestAssured.given().auth().oauth2(minted).when().get("/api/v1/stats/user/" + (user + 1))
                .then().statusCode(403);

        // minted by PyJWT with a key we do not trust: rejected
        File otherKey = new File(Thread.currentThread().getContextClassLoader().getResource("otherPrivateKey.pem").toURI());
        String foreign = python(python, """
                import sys, time, jwt
                now = int(time.time())
                print(jwt.encode({"sub": sys.argv[2], "groups": ["admin"], "iss": sys.argv[3], "iat": now, "exp": now + 300},
                                 open(sys.argv[1]).read(), algorithm="RS256"))
                """, otherKey.getPath(), Long.toString(user), Tokens.ISSUER);
        io.restassured.RestAssured.given().auth().oauth2(foreign).when().get("/api/v1/stats/user/" + user)
                .then().statusCode(401);

        // issued by our login, verified by PyJWT with the public key, issuer and algorithm pinned
        String email = TestData.email(user);
        String issued = io.restassured.RestAssured.given().contentType("application/json")
                .body("{\"email\":\"" + email + "\",\"password\":\"" + TestData.PASSWORD + "\"}")
                .when().post("/api/v1/auth/login").then().statusCode(200).extract().path("access_token");
        String verified = python(python, """
                import sys, jwt
                claims = jwt.decode(sys.argv[2], open(sys.argv[1]).read(), algorithms=["RS256"], issuer=sys.argv[3],
                                    options={"require": ["exp", "iss", "sub"]})
                print(claims["sub"], ",".join(claims["groups"]), claims["upn"])
                """, publicKey.getPath(), issued, Tokens.ISSUER);
        assertEquals(user + " efectivo " + email, verified);
    }
}
