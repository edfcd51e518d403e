package com.gad.stats.cache;

import static com.gad.stats.support.Api.getStats;
import static com.gad.stats.support.Api.metric;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.gad.stats.auth.Roles;
import com.gad.stats.support.Api;
import com.gad.stats.support.LocalServicesResource;
import com.gad.stats.support.RedisProbe;
import com.gad.stats.support.TestData;
import com.gad.stats.support.Tokens;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A hot value is refreshed before it expires, on real Redis and PostgreSQL with the production
 * settings: its Redis TTL is cut short (as an operator's PEXPIRE would), then it is read again and
 * again until the service reports a refresh. Every one of those reads is a hit, and afterwards the
 * value has a fresh TTL in Redis.
 */
@QuarkusTest
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
public class RefreshAheadRedisTest {

    static final String REFRESHED = "gad_cache_refresh_ahead_total{result=\"refreshed\"}";

    @Test
    void aHotValueIsRefreshedBeforeItExpiresAndNoReaderMisses() {
        long user = TestData.user(1);
        String token = Tokens.forUser(user, Roles.EFECTIVO);
        getStats(token, user, "days=30").statusCode(200).body("_cache.reason", is("miss"));
        getStats(token, user, "days=30").statusCode(200).body("_cache.hit", is(true));
        String key = Api.statsKey(user, 30);
        long ttl = RedisProbe.integer("PTTL", key);
        assertTrue(ttl > 290_000, "stored for the production TTL (300 s): " + ttl);

        // three seconds left: hits in the last second (the read interval) refresh it
        double refreshedBefore = metric(REFRESHED);
        assertEquals(1L, RedisProbe.integer("PEXPIRE", key, "3000"));
        List<Object> answers = new ArrayList<>();
        // read until the refresh is reported, or until a reader has had to wait for the aggregation
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
            Object hit = getStats(token, user, "days=30").statusCode(200).extract().path("_cache.hit");
            answers.add(hit);
            return !Boolean.TRUE.equals(hit) || metric(REFRESHED) > refreshedBefore;
        });

        assertTrue(answers.stream().allMatch(Boolean.TRUE::equals), "no reader waited for the aggregation: " + answers);
        assertTrue(metric(REFRESHED) > refreshedBefore, "refreshed");
        assertTrue(answers.size() > 1, "read until the refresh: " + answers.size() + " reads");
        long renewed = RedisProbe.integer("PTTL", key);
        assertTrue(renewed > 290_000, "a fresh TTL in Redis: " + renewed + " ms");
        getStats(token, user, "days=30").statusCode(200).body("_cache.hit", is(true));
    }
}
