package com.gad.stats.cache;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import com.gad.stats.config.GadConfig;
import com.gad.stats.common.Meters;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;

/**
 * Measures cache consistency in production, after Meta's Polaris ("Cache made consistent"): a share
 * of user invalidations ({@code gad.cache.consistency-sample}) is followed, {@link #CHECK_AFTER}
 * later, by a check of what the cache would serve for that user against the database.
 *
 * <p>A check reads the user's value ({@link ConsistencySubject#checkedKey}) from Redis with the
 * user's generation, and this instance's near-cache entry. A value that is absent, or stale by
 * generation or epoch, is an agreement: it will not be served. Otherwise the database recomputes
 * the figures and the two are compared (not the time each was computed).
 *
 * <p>False positives. A write made after the sampled invalidation makes the database newer than a
 * correctly invalidated cache until that write's own invalidation lands, which may take up to the
 * bound. So a difference is not yet an inconsistency:
 * <ul>
 * <li>the generation is read again after the database read; if it moved meanwhile, a newer
 * invalidation has landed, the value read is no longer served, and the check is an agreement;</li>
 * <li>a value that differs is looked at once more, {@link #CHECK_AFTER} later: only if the very same
 * value (same generation, same bytes, epoch still current) is still served then is it counted as
 * inconsistent. Every write the database showed at the first look either is in that value or
 * was committed before that look, so its invalidation was due by the second look; a value that
 * survived it missed an invalidation (or was wrong when stored).</li>
 * </ul>
 * One limit remains: the statistics' window moves with time ({@code now() - days}), so a task
 * crossing the window's edge between the value's computation and the check differs without any
 * write; with a check within seconds of the computation this takes a task created exactly
 * {@code days} days before, and reads as a rare inconsistency.
 *
 * <p>Cost: one aggregation and two or three Redis reads per sampled invalidation, off the request
 * path, on a Vert.x timer (nothing blocks). At most {@link #MAX_IN_FLIGHT} checks wait at once;
 * samples beyond them are counted as skipped, as are checks whose Redis or database read failed.
 * That bound also bounds the WARN lines. The Redis reads go through the same client, deadline and
 * breaker as requests.
 */
@ApplicationScoped
public class ConsistencyMonitor implements InvalidationObserver {

    /**
     * When a sampled invalidation is checked, and how long a differing value is given before it
     * counts: the longest staleness bound the docs state for a working cache. The near cache drops
     * a silently failed link within two link checks (2 s, docs/near-cache.md); a change made in
     * SQL while the database listener is silently dead is covered within the check interval plus
     * its time limit (5 s + 2 s, docs/database-invalidation.md). 10 s covers both with margin.
     */
    static final Duration CHECK_AFTER = Duration.ofSeconds(10);

    /**
     * Checks waiting at once. At the default 1 % share a check lives 10 s (20 s when it looks
     * twice), so 100 follows up to about 1,000 invalidations a second; beyond that, samples are
     * skipped rather than letting a write burst queue aggregations.
     */
    static final int MAX_IN_FLIGHT = 100;

    private static final Logger LOG = Logger.getLogger("com.gad.stats.cache");

    /** The result of one check, the {@code result} tag of {@code gad_cache_consistency_checks_total}. */
    enum Result {
        CONSISTENT, INCONSISTENT, SKIPPED;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A cached value that differed from the database at the first look. */
    private record Suspect(String source, byte[] json) {
    }

    private final double share;
    private final CacheStore store;
    private final CacheKeys keys;
    private final CacheEpoch epoch;
    private final NearCache nearCache;
    private final CacheCodec codec;
    private final Pause pause;
    private final ConsistencySubject subject;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Map<Result, Counter> checks = new EnumMap<>(Result.class);

    @Inject
    ConsistencyMonitor(GadConfig config, CacheStore store, CacheKeys keys, CacheEpoch epoch, NearCache nearCache, Pause pause,
            ConsistencySubject subject, MeterRegistry registry) {
        this(config.cache().consistencySample(), store, keys, epoch, nearCache, pause, subject,
                registry);
    }

    ConsistencyMonitor(double share, CacheStore store, CacheKeys keys, CacheEpoch epoch,
            NearCache nearCache, Pause pause, ConsistencySubject subject, MeterRegistry registry) {
        this.share = share;
        this.store = store;
        this.keys = keys;
        this.epoch = epoch;
        this.nearCache = nearCache;
        this.codec = new CacheCodec();
        this.pause = pause;
        this.subject = subject;
        for (Result result : Result.values()) {
            checks.put(result, Meters.counter(registry, "gad.cache.consistency.checks",
                    "Sampled invalidations checked against the database after the staleness bound, by result", "result", result.tag()));
        }
        Gauge.builder("gad.cache.consistency.checks.pending", inFlight, AtomicInteger::get)
                .description("Consistency checks waiting for their time or running")
                .register(registry);
    }

    /** Samples the invalidation (never blocks, never fails the invalidation). */
    @Override
    public void invalidated(long userId) {
        if (share <= 0 || ThreadLocalRandom.current().nextDouble() >= share) {
            return;
        }
        if (inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
            inFlight.decrementAndGet();
            checks.get(Result.SKIPPED).increment();
            return;
        }
        pause.of(CHECK_AFTER)
                .chain(() -> check(userId))
                .onFailure().recoverWithItem(failure -> {
                    LOG.debugf("consistency check of user %d skipped: %s", userId, CacheLog.describe(failure));
                    return Result.SKIPPED;
                })
                .onTermination().invoke(inFlight::decrementAndGet)
                .subscribe().with(result -> checks.get(result).increment());
    }

    private Uni<Result> check(long userId) {
        CacheKey key = subject.checkedKey(userId);
        String valueKey = keys.valueKey(key);
        return store.read(key, false).chain(first -> {
            Optional<byte[]> inRedis = served(first);
            Optional<byte[]> inMemory = nearCache.peek(valueKey);
            if (inRedis.isEmpty() && inMemory.isEmpty()) {
                return Uni.createFrom().item(Result.CONSISTENT);
            }
            Instant databaseRead = Instant.now();
            return subject.recomputed(userId).chain(fresh -> store.read(key, false).chain(after -> {
                if (!after.generation().equals(first.generation())) {
                    return Uni.createFrom().item(Result.CONSISTENT);
                }
                Optional<Suspect> suspect = differing("redis", inRedis, fresh).or(() -> differing("near", inMemory, fresh));
                if (suspect.isEmpty()) {
                    return Uni.createFrom().item(Result.CONSISTENT);
                }
                return pause.of(CHECK_AFTER)
                        .chain(() -> store.read(key, false))
                        .map(later -> stillServed(suspect.get(), first.generation(), later, valueKey)
                                ? inconsistent(key, valueKey, suspect.get(), databaseRead)
                                : Result.CONSISTENT);
            }));
        });
    }

    /** The bytes Redis would serve: decodable, of the user's generation and the current epoch (as CacheAside judges a hit). */
    private Optional<byte[]> served(CacheStore.Stored stored) {
        return stored.bytes()
                .flatMap(codec::decode)
                .filter(value -> value.generation().equals(stored.generation()) && value.epoch() >= epoch.current())
                .map(CacheCodec.Envelope::json);
    }

    private Optional<Suspect> differing(String source, Optional<byte[]> cached, byte[] fresh) {
        return cached.filter(json -> fresh == null || !subject.sameFigures(json, fresh)).map(json -> new Suspect(source, json));
    }

    private boolean stillServed(Suspect suspect, String generation, CacheStore.Stored later, String valueKey) {
        Optional<byte[]> now = "redis".equals(suspect.source())
                ? later.generation().equals(generation) ? served(later) : Optional.empty()
                : nearCache.peek(valueKey);
        return now.filter(json -> Arrays.equals(json, suspect.json())).isPresent();
    }

    private Result inconsistent(CacheKey key, String valueKey, Suspect suspect, Instant databaseRead) {
        Instant now = Instant.now();
        String cachedAge = subject.computedAt(suspect.json())
                .map(at -> Long.toString(Duration.between(at, now).toMillis()))
                .orElse("unknown");
        MDC.put("cache_result", "inconsistent");
        MDC.put("cache_key", valueKey);
        MDC.put("user_id", Long.toString(key.userId()));
        try {
            LOG.warn("cache inconsistent key=" + valueKey + " user=" + key.userId() + " source=" + suspect.source()
                    + " cached_age_ms=" + cachedAge + " database_read_age_ms=" + Duration.between(databaseRead, now).toMillis()
                    + ": a value that differs from the database is still served after the staleness bound");
        } finally {
            MDC.remove("cache_result");
            MDC.remove("cache_key");
            MDC.remove("user_id");
        }
        return Result.INCONSISTENT;
    }
}
