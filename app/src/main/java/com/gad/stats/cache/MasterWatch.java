package com.gad.stats.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;


import com.gad.stats.cache.admin.RedisMasters;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * Notices when the Redis masters the cache talks to change, and then makes every cached value stale.
 *
 * <p>Replication is asynchronous: a replica promoted by Sentinel or by a Cluster shard failover may
 * lack the last invalidations its master acknowledged, and a master restarted from an old snapshot
 * lacks them too. Its values would read as current (their generation is the one it holds) and the
 * figures from before a write would come back until their TTL. So every {@link #INTERVAL} each
 * master's identity is read: its {@code run_id} ({@code INFO server}, new for every process, so a
 * promoted replica or a restarted node shows a new one), and on Cluster the set of masters owning
 * slots ({@code CLUSTER NODES}) with the run_id of each. Any difference from the last look (a
 * changed run_id, a master added or gone) is a {@link MasterChange}: the cache epoch advances (the
 * database change invalidator observes it; reason {@code failover}, told to the other instances,
 * which also see it themselves) and the near cache is flushed. It is counted in
 * {@code gad_cache_master_changes_total} and logged at WARN.
 *
 * <p>Bound: a pre-failover value is served no later than one interval plus one look's deadline
 * (0.9 s) after this instance can reach the new master, on a process that is not saturated; the
 * documented bound is 2 s. The cost: one cold
 * cache per failover, every value is recomputed once (docs/failure-behaviour.md "Failover").
 *
 * <p>The looks use the service's own client (on Sentinel it asks the sentinels where the master
 * is, as the requests do) with a deadline of their own, not the request breaker: a look that fails
 * is only tried again at the next interval, and never counts against Redis. On Cluster each master
 * gets a small client of its own for {@code INFO} (the cluster client cannot address a node),
 * made like {@link RedisMasters}' and kept while the node is a master.
 */
@ApplicationScoped
public class MasterWatch {

    static final Duration INTERVAL = Duration.ofMillis(500);
    /** Time limit of one look at every master; one that takes longer is abandoned. */
    static final Duration DEADLINE = Duration.ofMillis(400);
    /**
     * A look still running this long (Redis hung) lets the next one start: at most one pooled
     * connection per second held by looks, and a failover behind a hung look is still seen within
     * the 2 s bound (this + INTERVAL + DEADLINE = 1.9 s).
     */
    static final Duration LOOK_ABANDONED = Duration.ofSeconds(1);
    /** A master whose INFO did not answer in this look: compared at a later one. */
    private static final String UNKNOWN = "?";

    /** The service's own client, routed like any cache command (on Cluster: its held connection). */
    private final RedisConnections commands;
    private final Vertx vertx;
    private final NearCache nearCache;
    private final Event<MasterChange> changes;
    private final Counter changesSeen;
    private final RedisTopology topology;
    private final Map<String, Redis> nodeClients = new ConcurrentHashMap<>();
    private final AtomicBoolean looking = new AtomicBoolean();
    /** Each master's address (on Cluster) and run_id at the last look; null before the first. */
    private volatile Map<String, String> known;
    private long timer = -1;

    MasterWatch(RedisConnections commands, Vertx vertx, NearCache nearCache, Event<MasterChange> changes, MeterRegistry registry,
            RedisTopology topology) {
        this.commands = commands;
        this.vertx = vertx;
        this.nearCache = nearCache;
        this.changes = changes;
        this.topology = topology;
        this.changesSeen = Counter.builder("gad.cache.master.changes")
                .description("Redis master changes seen (failover, restart, master added or removed): each made every cached value stale")
                .register(registry);
    }

    void start(@Observes StartupEvent event) {
        timer = vertx.setPeriodic(INTERVAL.toMillis(), id -> look());
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        nodeClients.values().forEach(Redis::close);
        nodeClients.clear();
    }

    private void look() {
        if (!looking.compareAndSet(false, true)) {
            return; // the previous look has not ended yet
        }
        Uni<Map<String, String>> identities = Uni.createFrom().deferred(this::identities).memoize().indefinitely();
        // The next look waits for this one's commands to end, not for its deadline: commands given up
        // still hold a connection of the pool the requests share until Redis (or a proxy in front of it)
        // answers or closes, and a look every 500 ms during an outage would pile them up. A look that
        // has not ended after LOOK_ABANDONED no longer holds the next one back.
        identities.ifNoItem().after(LOOK_ABANDONED).fail()
                .subscribe().with(seen -> looking.set(false), failure -> looking.set(false));
        identities.ifNoItem().after(DEADLINE).fail()
                .subscribe().with(
                        this::compare,
                        failure -> Log.debugf("cache: could not look at the Redis masters (%s)", CacheLog.describe(failure)));
    }

    /** Each master's run_id, by address on Cluster (one entry otherwise). */
    private Uni<Map<String, String>> identities() {
        if (!topology.cluster()) {
            return runId(commands::send).map(runId -> Map.of("master", runId));
        }
        return commands.send(Request.cmd(Command.CLUSTER).arg("NODES"))
                .map(reply -> RedisMasters.clusterMasters(reply.toString(), topology.firstHostName()))
                .chain(addresses -> {
                    nodeClients.keySet().stream().filter(address -> !addresses.contains(address)).toList()
                            .forEach(gone -> nodeClients.remove(gone).close());
                    List<Uni<Map.Entry<String, String>>> looks = new ArrayList<>();
                    for (String address : addresses) {
                        looks.add(runId(nodeClients.computeIfAbsent(address, this::nodeClient)::send)
                                .onFailure().recoverWithItem(UNKNOWN)
                                .map(runId -> Map.entry(address, runId)));
                    }
                    return Uni.join().all(looks).andFailFast();
                })
                .map(entries -> {
                    Map<String, String> seen = new HashMap<>();
                    entries.forEach(entry -> seen.put(entry.getKey(), entry.getValue()));
                    return seen;
                });
    }

    private static Uni<String> runId(Function<Request, Uni<Response>> client) {
        return client.apply(Request.cmd(Command.INFO).arg("server"))
                .map(reply -> reply.toString().lines()
                        .filter(line -> line.startsWith("run_id:"))
                        .map(line -> line.substring("run_id:".length()).trim())
                        .findFirst()
                        .orElseThrow(() -> new IllegalStateException("INFO server has no run_id")));
    }

    private Redis nodeClient(String address) {
        return topology.nodeClient(vertx, address, 1, 4);
    }

    private void compare(Map<String, String> seen) {
        Map<String, String> before = known;
        Map<String, String> now = new HashMap<>(seen);
        if (before != null) {
            // a master that did not answer this time keeps what it showed last time
            now.replaceAll((address, runId) -> UNKNOWN.equals(runId) ? before.getOrDefault(address, UNKNOWN) : runId);
        }
        if (before == null) {
            known = now;
            Log.infof("cache: watching the Redis masters for failovers: %s", now);
            return;
        }
        List<String> differences = differences(before, now);
        if (!differences.isEmpty()) {
            String what = String.join("; ", differences);
            changesSeen.increment();
            Log.warnf("cache: Redis master changed (%s): values it holds may predate acknowledged invalidations; "
                    + "making every cached value stale and flushing the near cache", what);
            nearCache.flush();
            changes.fire(new MasterChange(what));
        }
        // after the change is acted on: whoever sees the new masters in seen() also sees the epoch advance owed
        known = now;
    }

    /**
     * The masters as last seen, for the readiness data: the run_id of the master ({@code address=run_id}
     * for each on Cluster), to compare with {@code INFO server} on the node; "unknown" before the first look.
     */
    public String seen() {
        Map<String, String> masters = known;
        if (masters == null) {
            return "unknown";
        }
        if (!topology.cluster()) {
            return masters.getOrDefault("master", UNKNOWN);
        }
        return new TreeMap<>(masters).entrySet().stream()
                .map(master -> master.getKey() + "=" + master.getValue())
                .collect(Collectors.joining(","));
    }

    static List<String> differences(Map<String, String> before, Map<String, String> now) {
        List<String> differences = new ArrayList<>();
        TreeSet<String> addresses = new TreeSet<>(before.keySet());
        addresses.addAll(now.keySet());
        for (String address : addresses) {
            String was = before.get(address);
            String is = now.get(address);
            if (was == null) {
                differences.add(address + " is a master now");
            } else if (is == null) {
                differences.add(address + " is no longer a master");
            } else if (!was.equals(is) && !UNKNOWN.equals(was) && !UNKNOWN.equals(is)) {
                differences.add(address + " is another process now (run_id " + was + " -> " + is + ")");
            }
        }
        return differences;
    }
}
