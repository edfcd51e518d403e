package com.gad.stats.security;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.gad.stats.config.GadConfig;
import com.gad.stats.support.Api;
import com.gad.stats.support.LocalServicesResource;
import com.gad.stats.support.TestData;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * Login hardening: lockout counted atomically in SQL and reset on success, one indistinguishable
 * refusal for every failure (same answer, same work), nothing secret in the logs.
 */
@QuarkusTest
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
public class LoginProtectionTest {

    @Inject
    GadConfig config;

    static Response login(String email, String password) {
        return given().contentType("application/json")
                .body("{\"email\":" + json(email) + ",\"password\":" + json(password) + "}")
                .when().post("/api/v1/auth/login");
    }

    static String json(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    static int failures(long user) {
        return Integer.parseInt(Db.one("SELECT intentos_fallidos FROM usuarios WHERE id = " + user));
    }

    static boolean locked(long user) {
        return "t".equals(Db.one("SELECT coalesce(bloqueado_hasta > now(), false) FROM usuarios WHERE id = " + user));
    }

    @Test
    void lockoutAfterMaxFailuresRefusesEvenTheRightPasswordUntilItExpires() {
        int max = config.auth().login().maxFailures();
        long user = TestData.user(1);
        String email = TestData.email(user);
        for (int i = 1; i < max; i++) {
            login(email, "wrong-" + i).then().statusCode(401);
            assertEquals(i, failures(user));
            assertTrue(!locked(user));
        }
        String refusal = login(email, "wrong-last").then().statusCode(401).extract().asString();
        assertEquals(max, failures(user));
        assertTrue(locked(user));
        long lockSeconds = Long.parseLong(Db.one("SELECT round(extract(epoch FROM bloqueado_hasta - now())) FROM usuarios WHERE id = " + user));
        long expected = config.auth().login().lockDuration().toSeconds();
        assertTrue(lockSeconds <= expected && lockSeconds > expected - 60, "locked for " + lockSeconds + "s");

        // locked: the right password gets the very same refusal, and the lock is neither counted nor extended
        String until = Db.one("SELECT bloqueado_hasta FROM usuarios WHERE id = " + user);
        assertEquals(refusal, login(email, TestData.PASSWORD).then().statusCode(401).extract().asString());
        login(email, "wrong-again").then().statusCode(401);
        assertEquals(max, failures(user));
        assertEquals(until, Db.one("SELECT bloqueado_hasta FROM usuarios WHERE id = " + user));

        // the lock expires: a new failure starts counting from 1 again
        TestData.execute("UPDATE usuarios SET bloqueado_hasta = now() - interval '1 second' WHERE id = " + user);
        login(email, "wrong-after").then().statusCode(401);
        assertEquals(1, failures(user));
        assertTrue(!locked(user));
        assertNull(Db.one("SELECT bloqueado_hasta FROM usuarios WHERE id = " + user));

        // and a success resets everything
        login(email, TestData.PASSWORD).then().statusCode(200);
        assertEquals(0, failures(user));
    }

    @Test
    void aSuccessResetsTheCountAndClearsAnExpiredLock() {
        long user = TestData.user(2);
        String email = TestData.email(user);
        login(email, "wrong").then().statusCode(401);
        login(email, "wrong").then().statusCode(401);
        assertEquals(2, failures(user));
        login(email, TestData.PASSWORD).then().statusCode(200);
        assertEquals(0, failures(user));

        TestData.execute("UPDATE usuarios SET intentos_fallidos = 9, bloqueado_hasta = now() - interval '1 minute' WHERE id = " + user);
        login(email.toUpperCase(), TestData.PASSWORD).then().statusCode(200);
        assertEquals(0, failures(user));
        assertNull(Db.one("SELECT bloqueado_hasta FROM usuarios WHERE id = " + user));
    }

    @Test
    void concurrentFailuresAreCountedExactlyOnce() throws Exception {
        int max = config.auth().login().maxFailures();
        long user = TestData.user(1);
        String email = TestData.email(user);
        // fewer than the threshold, all at once: every one counted (no lost update)
        assertEquals(max - 1, parallel(max - 1, () -> login(email, "wrong").statusCode()).stream().filter(s -> s == 401).count());
        assertEquals(max - 1, failures(user));
        assertTrue(!locked(user));
        // many more at once: the count stops at the threshold and the account is locked once
        List<Integer> statuses = parallel(3 * max, () -> login(email, "wrong").statusCode());
        assertTrue(statuses.stream().allMatch(s -> s == 401), statuses.toString());
        assertEquals(max, failures(user));
        assertTrue(locked(user));
    }

    static <T> List<T> parallel(int n, java.util.concurrent.Callable<T> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return task.call();
                }));
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get(120, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void everyRefusalIsTheSame401AndCostsOneBcryptVerification() {
        long good = TestData.user(1);
        long lockedUser = TestData.user(1);
        TestData.execute("UPDATE usuarios SET bloqueado_hasta = now() + interval '10 minutes' WHERE id = " + lockedUser);
        long inactive = TestData.user(1);
        TestData.execute("UPDATE usuarios SET activo = false WHERE id = " + inactive);

        List<String[]> refusals = List.of(
                new String[] { "unknown email", "nobody-" + System.nanoTime() + "@gad.test", TestData.PASSWORD },
                new String[] { "wrong password", TestData.email(good), "not-the-password" },
                new String[] { "locked account, right password", TestData.email(lockedUser), TestData.PASSWORD },
                new String[] { "inactive account, right password", TestData.email(inactive), TestData.PASSWORD });
        String body = null;
        for (String[] r : refusals) {
            double before = Api.metric("gad_auth_password_verifications_total");
            Response response = login(r[1], r[2]);
            assertEquals(401, response.statusCode(), r[0]);
            assertEquals("application/problem+json", response.contentType().split(";")[0], r[0]);
            assertNull(response.header("WWW-Authenticate"), r[0]);
            body = body == null ? response.asString() : body;
            assertEquals(body, response.asString(), r[0]);
            assertEquals(1.0, Api.metric("gad_auth_password_verifications_total") - before, r[0] + ": one bcrypt verification");
        }
        assertTrue(body.contains("Invalid email or password"), body);
        double before = Api.metric("gad_auth_password_verifications_total");
        login(TestData.email(good), TestData.PASSWORD).then().statusCode(200);
        assertEquals(1.0, Api.metric("gad_auth_password_verifications_total") - before, "a success costs the same");
    }

    @Test
    void passwordsAndTokensNeverReachTheLogs() {
        long user = TestData.user(1);
        String email = TestData.email(user);
        String wrong = "Wr0ng-Pa55-" + System.nanoTime();
        String typedAsEmail = "Typ3d-In-Email-" + System.nanoTime();
        String malformed = "Br0ken-Js0n-" + System.nanoTime();
        String token;
        try (LogCapture logs = LogCapture.start()) {
            token = login(email, TestData.PASSWORD).then().statusCode(200).extract().path("access_token");
            login(email, wrong).then().statusCode(401);
            login(typedAsEmail, wrong).then().statusCode(401);
            given().contentType("application/x-www-form-urlencoded").formParam("username", email).formParam("password", wrong)
                    .when().post("/api/v1/auth/login").then().statusCode(401);
            given().contentType("application/json").body("{\"email\":\"" + email + "\",\"password\":\"" + malformed)
                    .when().post("/api/v1/auth/login").then().statusCode(400);
            given().contentType("application/json").body("{\"email\":\"" + email + "\",\"password\":{\"x\":\"" + malformed + "\"}}")
                    .when().post("/api/v1/auth/login").then().statusCode(400);
            given().contentType("application/json").body("{\"email\":\"" + email + "\",\"password\":\"" + malformed + "\",\"extra\":1}")
                    .when().post("/api/v1/auth/login").then().statusCode(401);
            given().auth().oauth2(token).when().get("/api/v1/stats/user/" + user).then().statusCode(200);
            given().auth().oauth2(token).when().get("/api/v1/stats/user/" + (user + 1000)).then().statusCode(403);

            for (String secret : List.of(TestData.PASSWORD, wrong, typedAsEmail, malformed, token, token.split("\\.")[1], token.split("\\.")[2])) {
                assertNull(logs.find(secret), "logged: " + secret);
            }
            assertTrue(logs.lines().stream().anyMatch(l -> l.contains("login refused: bad password (user " + user + ")")), logs.lines().toString());
        }
    }

    @Test
    void controlCharactersInTheEmailAre400NotADatabaseError() {
        for (String email : List.of("a\u0000b@gad.test", "a\nb@gad.test", "\u0007@gad.test")) {
            login(email, "x").then().statusCode(400).contentType("application/problem+json")
                    .body("field", org.hamcrest.Matchers.is("email"));
            given().contentType("application/x-www-form-urlencoded").formParam("username", email).formParam("password", "x")
                    .when().post("/api/v1/auth/login").then().statusCode(400).body("field", org.hamcrest.Matchers.is("username"));
        }
    }
}
