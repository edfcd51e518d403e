package com.gad.stats.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.gad.stats.support.Api;
import com.gad.stats.support.LocalServicesResource;
import com.gad.stats.support.TestData;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The login rate limits with small figures (4 per address, 3 per email, per minute: an attempt
 * refills every 15 s and 20 s, while each test makes its attempts within a second or two). Each test speaks from its own loopback address (127.0.0.x), so the limits
 * are exact and independent of every other test.
 */
@QuarkusTest
@TestProfile(LoginRateLimitTest.SmallLimits.class)
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
public class LoginRateLimitTest {

    public static class SmallLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gad.auth.login.rate-limit.per-ip", "4",
                    "gad.auth.login.rate-limit.per-account", "3");
        }
    }

    static RawHttp.Response login(String source, String email, String password, Map<String, String> extraHeaders) {
        Map<String, String> headers = new java.util.LinkedHashMap<>(extraHeaders);
        headers.put("Content-Type", "application/json");
        String body = "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}";
        return RawHttp.send(source, "POST", "/api/v1/auth/login", headers, body.getBytes(StandardCharsets.UTF_8));
    }

    static void assertThrottled(RawHttp.Response response) {
        assertEquals(429, response.status(), response.body());
        assertEquals("application/problem+json", response.contentType());
        long retryAfter = Long.parseLong(response.header("Retry-After"));
        assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
        assertTrue(response.body().contains("\"status\":429"), response.body());
    }

    static String unknownEmail() {
        return "nobody-" + System.nanoTime() + "@gad.test";
    }

    @Test
    void perAddress() {
        for (int i = 0; i < 4; i++) {
            assertEquals(401, login("127.0.0.2", unknownEmail(), "x", Map.of()).status());
        }
        double verifications = Api.metric("gad_auth_password_verifications_total");
        assertThrottled(login("127.0.0.2", unknownEmail(), "x", Map.of()));
        // refused before any work: no bcrypt
        assertEquals(verifications, Api.metric("gad_auth_password_verifications_total"));
        // the right credentials do not get through either
        long user = TestData.user(1);
        assertThrottled(login("127.0.0.2", TestData.email(user), TestData.PASSWORD, Map.of()));
        // another address is not affected
        assertEquals(200, login("127.0.0.3", TestData.email(user), TestData.PASSWORD, Map.of()).status());
    }

    @Test
    void forwardedHeadersAreNotTrusted() {
        for (int i = 0; i < 4; i++) {
            String spoofed = "198.51.100." + i;
            assertEquals(401, login("127.0.0.4", unknownEmail(), "x",
                    Map.of("X-Forwarded-For", spoofed, "Forwarded", "for=" + spoofed, "X-Real-IP", spoofed)).status());
        }
        assertThrottled(login("127.0.0.4", unknownEmail(), "x", Map.of("X-Forwarded-For", "203.0.113.9")));
    }

    @Test
    void perAccountAcrossAddressesAndSpellings() {
        long user = TestData.user(1);
        String email = TestData.email(user);
        assertEquals(401, login("127.0.0.5", email, "wrong", Map.of()).status());
        assertEquals(401, login("127.0.0.6", email.toUpperCase(), "wrong", Map.of()).status());
        assertEquals(401, login("127.0.0.7", "  " + email + " ", "wrong", Map.of()).status());
        // the 4th attempt on this account, from a fresh address and with the right password
        assertThrottled(login("127.0.0.8", email, TestData.PASSWORD, Map.of()));
        // throttled attempts do no database work: only the three wrong passwords were counted
        assertEquals("3", Db.one("SELECT intentos_fallidos FROM usuarios WHERE id = " + user));
        // other accounts from that address are fine
        long other = TestData.user(1);
        assertEquals(200, login("127.0.0.8", TestData.email(other), TestData.PASSWORD, Map.of()).status());
    }
}
