package com.gad.stats.cache.admin;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.gad.stats.cache.RedisGateway;
import com.gad.stats.cache.CacheKeys;
import com.gad.stats.cache.CacheMetrics;
import com.gad.stats.cache.CacheOutcome;
import com.gad.stats.cache.NearCache;
import com.gad.stats.cache.admin.RedisMasters.Master;

import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * Operator view and cleaning of the cache, confined to the prefix, on every master (one on
 * standalone and Sentinel, each of them on Cluster). Never KEYS, never FLUSHDB: SCAN walks each
 * master's keyspace in batches (each a short Redis step, so other clients keep being served between
 * them) and UNLINK frees memory off Redis's main thread. A batch is unlinked as one pipeline of
 * single-key UNLINKs: on Cluster a multi-key UNLINK fails unless all its keys share a slot. This
 * instance's near cache is cleared before an answer; the others' hear of the deletions through
 * Redis tracking.
 */
@ApplicationScoped
public class CacheAdminService {

    /** Keys examined per SCAN step: large enough to walk a million keys in ~1000 round trips. */
    static final int SCAN_BATCH = 1000;

    private final RedisGateway gateway;
    private final RedisMasters masters;
    private final CacheKeys keys;
    private final CacheMetrics metrics;
    private final NearCache nearCache;

    CacheAdminService(RedisGateway gateway, RedisMasters masters, CacheKeys keys, CacheMetrics metrics, NearCache nearCache) {
        this.gateway = gateway;
        this.nearCache = nearCache;
        this.masters = masters;
        this.keys = keys;
        this.metrics = metrics;
    }

    public Uni<CacheStatsView> stats() {
        CacheStatsView.Service service = serviceCounts();
        String pattern = KeyArguments.escapeGlob(keys.prefix()) + "*";
        return masters.onEachMaster(master -> nodeStats(master, pattern))
                .map(nodes -> CacheStatsView.of(nodes, keys.prefix(), gateway.breakerState(), service))
                .onFailure().recoverWithItem(failure -> {
                    Log.warnf("cache stats: Redis unavailable (%s)", failure.getClass().getSimpleName());
                    return CacheStatsView.unreachable(keys.prefix(), gateway.breakerState(), service);
                });
    }

    /** UNLINK of one key under the prefix; the number deleted (0 or 1). Any topology routes one key. */
    public Uni<Long> invalidateKey(String relativeKey) {
        String key = keys.prefix() + KeyArguments.key(relativeKey);
        return gateway.sendAdmin(Request.cmd(Command.UNLINK).arg(key))
                .map(Response::toLong)
                .onTermination().invoke(nearCache::flush)
                .invoke(n -> Log.infof("cache admin: unlinked key %s (%d)", key, n));
    }

    /** Deletes every key under the prefix matching the relative glob; the number deleted. */
    public Uni<Long> invalidatePattern(String relativePattern) {
        String pattern = KeyArguments.escapeGlob(keys.prefix()) + KeyArguments.pattern(relativePattern);
        return unlinkEverywhere(pattern)
                .onTermination().invoke(nearCache::flush)
                .invoke(n -> Log.infof("cache admin: unlinked %d keys matching %s", n, pattern));
    }

    /** Deletes everything under the prefix; the number deleted. */
    public Uni<Long> clear() {
        String pattern = KeyArguments.escapeGlob(keys.prefix()) + "*";
        long start = System.nanoTime();
        return unlinkEverywhere(pattern)
                .onTermination().invoke(nearCache::flush)
                .invoke(n -> Log.infof("cache admin: cleared %d keys under %s in %d ms", n, keys.prefix(),
                        (System.nanoTime() - start) / 1_000_000));
    }

    private Uni<Long> unlinkEverywhere(String pattern) {
        return masters.onEachMaster(master -> unlinkMatching(master, pattern, "0", 0))
                .map(counts -> counts.stream().mapToLong(Long::longValue).sum());
    }

    private Uni<Long> unlinkMatching(Master master, String pattern, String cursor, long deleted) {
        return scan(master, pattern, cursor)
                .chain(page -> unlink(master, page.keys())
                        .chain(n -> "0".equals(page.cursor())
                                ? Uni.createFrom().item(deleted + n)
                                : unlinkMatching(master, pattern, page.cursor(), deleted + n)));
    }

    private Uni<CacheStatsView.Node> nodeStats(Master master, String pattern) {
        Uni<Response> info = gateway.sendAdmin(master.client(), Request.cmd(Command.INFO).arg("stats"));
        Uni<Response> client = gateway.sendAdmin(master.client(), Request.cmd(Command.CLIENT).arg("INFO"));
        Uni<Long> count = countKeys(master, pattern, "0", 0);
        return Uni.combine().all().unis(info, client, count).asTuple()
                .map(figures -> {
                    String stats = figures.getItem1().toString();
                    return new CacheStatsView.Node(field(figures.getItem2().toString(), "laddr", master.address()),
                            figures.getItem3(), infoField(stats, "keyspace_hits"), infoField(stats, "keyspace_misses"),
                            infoField(stats, "evicted_keys"));
                });
    }

    private Uni<Long> countKeys(Master master, String pattern, String cursor, long counted) {
        return scan(master, pattern, cursor)
                .chain(page -> "0".equals(page.cursor())
                        ? Uni.createFrom().item(counted + page.keys().size())
                        : countKeys(master, pattern, page.cursor(), counted + page.keys().size()));
    }

    private record ScanPage(String cursor, List<String> keys) {
    }

    private Uni<ScanPage> scan(Master master, String pattern, String cursor) {
        Request scan = Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(pattern).arg("COUNT").arg(SCAN_BATCH);
        return gateway.sendAdmin(master.client(), scan)
                .map(reply -> {
                    Response found = reply.get(1);
                    List<String> page = new ArrayList<>(found.size());
                    for (Response key : found) {
                        page.add(key.toString());
                    }
                    return new ScanPage(reply.get(0).toString(), page);
                });
    }

    private Uni<Long> unlink(Master master, List<String> batch) {
        if (batch.isEmpty()) {
            return Uni.createFrom().item(0L);
        }
        List<Request> unlinks = batch.stream().map(key -> Request.cmd(Command.UNLINK).arg(key)).toList();
        return gateway.sendAdminBatch(master.client(), unlinks)
                .map(replies -> replies.stream().mapToLong(Response::toLong).sum());
    }

    private CacheStatsView.Service serviceCounts() {
        long hits = metrics.total(CacheOutcome.HIT);
        long misses = metrics.total(CacheOutcome.MISS);
        long stale = metrics.total(CacheOutcome.STALE);
        long errors = metrics.total(CacheOutcome.UNAVAILABLE);
        return new CacheStatsView.Service(hits, misses, stale, metrics.total(CacheOutcome.BYPASS), errors,
                CacheStatsView.percent(hits, misses + stale + errors));
    }

    private static long infoField(String info, String name) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith(name + ":")) {
                return Long.parseLong(line.substring(name.length() + 1).trim());
            }
        }
        return 0;
    }

    /** A {@code name=value} field of a CLIENT INFO line (laddr: Redis 6.2+), else {@code absent}. */
    private static String field(String clientInfo, String name, String absent) {
        for (String pair : clientInfo.trim().split(" ")) {
            if (pair.startsWith(name + "=")) {
                return pair.substring(name.length() + 1);
            }
        }
        return absent;
    }
}
