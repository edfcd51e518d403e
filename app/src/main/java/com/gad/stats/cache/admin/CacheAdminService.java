package com.gad.stats.cache.admin;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.gad.stats.cache.CacheFailurePolicy;
import com.gad.stats.cache.CacheKeys;
import com.gad.stats.cache.CacheMetrics;
import com.gad.stats.cache.CacheOutcome;

import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * Operator view and cleaning of the cache, confined to the prefix. Never KEYS, never FLUSHDB:
 * SCAN walks the keyspace in batches (each a short Redis step, so other clients keep being
 * served between them) and UNLINK frees memory off Redis's main thread.
 */
@ApplicationScoped
public class CacheAdminService {

    /** Keys examined per SCAN step: large enough to walk a million keys in ~1000 round trips. */
    static final int SCAN_BATCH = 1000;

    private final CacheFailurePolicy policy;
    private final CacheKeys keys;
    private final CacheMetrics metrics;

    CacheAdminService(CacheFailurePolicy policy, CacheKeys keys, CacheMetrics metrics) {
        this.policy = policy;
        this.keys = keys;
        this.metrics = metrics;
    }

    public Uni<CacheStatsView> stats() {
        CacheStatsView.Service service = serviceCounts();
        return send(Request.cmd(Command.INFO).arg("stats"))
                .chain(info -> countKeys(KeyArguments.escapeGlob(keys.prefix()) + "*", "0", 0)
                        .map(count -> view(info.toString(), count, service)))
                .onFailure().recoverWithItem(failure -> {
                    Log.warnf("cache stats: Redis unavailable (%s)", failure.getClass().getSimpleName());
                    return new CacheStatsView(false, null, null, null, null, null, keys.prefix(), policy.breakerState(), service);
                });
    }

    /** UNLINK of one key under the prefix; the number deleted (0 or 1). */
    public Uni<Long> invalidateKey(String relativeKey) {
        String key = keys.prefix() + KeyArguments.key(relativeKey);
        return send(Request.cmd(Command.UNLINK).arg(key))
                .map(Response::toLong)
                .invoke(n -> Log.infof("cache admin: unlinked key %s (%d)", key, n));
    }

    /** Deletes every key under the prefix matching the relative glob; the number deleted. */
    public Uni<Long> invalidatePattern(String relativePattern) {
        String pattern = KeyArguments.escapeGlob(keys.prefix()) + KeyArguments.pattern(relativePattern);
        return unlinkMatching(pattern, "0", 0)
                .invoke(n -> Log.infof("cache admin: unlinked %d keys matching %s", n, pattern));
    }

    /** Deletes everything under the prefix; the number deleted. */
    public Uni<Long> clear() {
        String pattern = KeyArguments.escapeGlob(keys.prefix()) + "*";
        long start = System.nanoTime();
        return unlinkMatching(pattern, "0", 0)
                .invoke(n -> Log.infof("cache admin: cleared %d keys under %s in %d ms", n, keys.prefix(),
                        (System.nanoTime() - start) / 1_000_000));
    }

    private Uni<Long> unlinkMatching(String pattern, String cursor, long deleted) {
        return scan(pattern, cursor)
                .chain(page -> unlink(page.keys())
                        .chain(n -> "0".equals(page.cursor())
                                ? Uni.createFrom().item(deleted + n)
                                : unlinkMatching(pattern, page.cursor(), deleted + n)));
    }

    private Uni<Long> countKeys(String pattern, String cursor, long counted) {
        return scan(pattern, cursor)
                .chain(page -> "0".equals(page.cursor())
                        ? Uni.createFrom().item(counted + page.keys().size())
                        : countKeys(pattern, page.cursor(), counted + page.keys().size()));
    }

    private record ScanPage(String cursor, List<String> keys) {
    }

    private Uni<ScanPage> scan(String pattern, String cursor) {
        return send(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(pattern).arg("COUNT").arg(SCAN_BATCH))
                .map(reply -> {
                    Response found = reply.get(1);
                    List<String> page = new ArrayList<>(found.size());
                    for (Response key : found) {
                        page.add(key.toString());
                    }
                    return new ScanPage(reply.get(0).toString(), page);
                });
    }

    private Uni<Long> unlink(List<String> batch) {
        if (batch.isEmpty()) {
            return Uni.createFrom().item(0L);
        }
        Request unlink = Request.cmd(Command.UNLINK);
        batch.forEach(unlink::arg);
        return send(unlink).map(Response::toLong);
    }

    private Uni<Response> send(Request request) {
        return policy.sendAdmin(request);
    }

    private CacheStatsView.Service serviceCounts() {
        long hits = metrics.total(CacheOutcome.HIT);
        long misses = metrics.total(CacheOutcome.MISS);
        long stale = metrics.total(CacheOutcome.STALE);
        long errors = metrics.total(CacheOutcome.UNAVAILABLE);
        return new CacheStatsView.Service(hits, misses, stale, metrics.total(CacheOutcome.BYPASS), errors,
                CacheStatsView.percent(hits, misses + stale + errors));
    }

    private CacheStatsView view(String info, long keysCount, CacheStatsView.Service service) {
        long hits = infoField(info, "keyspace_hits");
        long misses = infoField(info, "keyspace_misses");
        return new CacheStatsView(true, keysCount, hits, misses, CacheStatsView.percent(hits, misses),
                infoField(info, "evicted_keys"), keys.prefix(), policy.breakerState(), service);
    }

    private static long infoField(String info, String name) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith(name + ":")) {
                return Long.parseLong(line.substring(name.length() + 1).trim());
            }
        }
        return 0;
    }
}
