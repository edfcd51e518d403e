package com.gad.stats.cache;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.enterprise.context.ApplicationScoped;

import com.gad.stats.config.GadConfig;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * The Redis commands of the cache, one round trip each, with a short timeout on every call.
 * Failures surface as failed {@link Uni}s; {@link CacheAside} decides what they mean.
 *
 * <p>Invalidation is generation based: each user has a generation key; every value stores the
 * generation it was computed under. Invalidating a user is one SET of a fresh generation (O(1),
 * no SCAN), after which every older value of that user reads as stale.
 */
@ApplicationScoped
public class RedisCacheStore {

    /**
     * Stores a value only if the user's generation is still the one the reader saw (creating it
     * when the reader saw none). A miss that read the database before a write therefore cannot
     * leave pre-write figures behind after the write's invalidation: the stale-set race. In the
     * same round trip it releases the value's stampede lock if this writer holds it.
     * KEYS: generation, value, lock. ARGV: generation seen ('' = none), fresh generation, envelope,
     * ttl, lock token ('' = none).
     */
    static final String WRITE_BACK_SCRIPT = """
            local cur = redis.call('GET', KEYS[1])
            local created = false
            if not cur and ARGV[1] == '' then
              cur = ARGV[2]
              redis.call('SET', KEYS[1], cur)
              created = true
            end
            local stored = 0
            if cur and (created or cur == ARGV[1]) then
              redis.call('SET', KEYS[2], cur .. '\\31' .. ARGV[3], 'EX', ARGV[4])
              stored = 1
            end
            if ARGV[5] ~= '' and redis.call('GET', KEYS[3]) == ARGV[5] then
              redis.call('DEL', KEYS[3])
            end
            return stored
            """;

    private final RedisGuard redis;
    private final CacheKeys keys;
    private final CacheCodec codec;
    private final Duration timeout;
    private final long ttlSeconds;

    RedisCacheStore(RedisGuard redis, CacheKeys keys, GadConfig config) {
        this.redis = redis;
        this.keys = keys;
        this.codec = new CacheCodec(config.cache().compressThreshold());
        this.timeout = config.cache().redisTimeout();
        this.ttlSeconds = config.cache().ttl().toSeconds();
    }

    /**
     * Returns the user's generation, creating it when there is none. Readers that find no
     * generation take one before querying the database, so concurrent first misses of one user
     * agree on it and all of their write-backs are stored (a generation first created by a
     * write-back would make the others look invalidated). One extra round trip, only for a user's
     * first read (or after the generation was evicted or deleted).
     */
    static final String INIT_GENERATION_SCRIPT = """
            local cur = redis.call('GET', KEYS[1])
            if cur then return cur end
            redis.call('SET', KEYS[1], ARGV[1])
            return ARGV[1]
            """;

    /** MGET of the user's generation and the value: one round trip, one Cluster slot. */
    public Uni<CacheLookup> read(CacheKey cacheKey) {
        String valueKey = keys.valueKey(cacheKey);
        String generationKey = keys.generationKey(cacheKey.userId());
        Request mget = Request.cmd(Command.MGET)
                .arg(generationKey)
                .arg(valueKey);
        return send(mget)
                .map(reply -> lookup(valueKey, reply))
                .chain(lookup -> lookup.generation() != null ? Uni.createFrom().item(lookup) : withGeneration(lookup, generationKey));
    }

    private Uni<CacheLookup> withGeneration(CacheLookup lookup, String generationKey) {
        return send(Request.cmd(Command.EVAL).arg(INIT_GENERATION_SCRIPT).arg(1).arg(generationKey).arg(freshGeneration()))
                .map(generation -> new CacheLookup(lookup.key(), lookup.outcome(), generation.toString(StandardCharsets.US_ASCII),
                        null))
                // without it the write-back still works: it creates the generation itself
                .onFailure().recoverWithItem(lookup);
    }

    /**
     * Stores the JSON under the generation the lookup saw, and releases the stampede lock when
     * {@code lockToken} (nullable) still holds it; true when stored.
     */
    public Uni<Boolean> write(CacheKey cacheKey, CacheLookup lookup, byte[] json, String lockToken) {
        Request eval = Request.cmd(Command.EVAL)
                .arg(WRITE_BACK_SCRIPT)
                .arg(3)
                .arg(keys.generationKey(cacheKey.userId()))
                .arg(lookup.key())
                .arg(keys.lockKey(cacheKey))
                .arg(lookup.generation() == null ? "" : lookup.generation())
                .arg(freshGeneration())
                .arg(codec.encode(json))
                .arg(ttlSeconds)
                .arg(lockToken == null ? "" : lockToken);
        return send(eval)
                .map(reply -> reply != null && reply.toInteger() == 1);
    }

    /** Deletes the lock only if this holder still owns it (it may have expired and been retaken). */
    static final String UNLOCK_SCRIPT = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
            return 0
            """;

    /** SET NX PX: a token when this caller now holds the value's lock, null when another does. */
    public Uni<String> tryLock(CacheKey cacheKey, Duration ttl) {
        String token = freshGeneration();
        return send(Request.cmd(Command.SET).arg(keys.lockKey(cacheKey)).arg(token).arg("NX").arg("PX").arg(ttl.toMillis()))
                .map(reply -> reply == null ? null : token);
    }

    public Uni<Void> unlock(CacheKey cacheKey, String token) {
        return send(Request.cmd(Command.EVAL).arg(UNLOCK_SCRIPT).arg(1).arg(keys.lockKey(cacheKey)).arg(token))
                .replaceWithVoid();
    }

    /** Makes every cached value of the user stale: one SET. */
    public Uni<Void> invalidateUser(long userId) {
        return send(Request.cmd(Command.SET).arg(keys.generationKey(userId)).arg(freshGeneration()))
                .replaceWithVoid();
    }

    public Uni<Response> send(Request request) {
        return send(request, timeout);
    }

    /** A command with its own time limit (admin scans get longer than the request path). */
    public Uni<Response> send(Request request, Duration limit) {
        return redis.send(request, limit);
    }

    private CacheLookup lookup(String valueKey, Response reply) {
        Response generationReply = reply.get(0);
        Response valueReply = reply.get(1);
        String generation = generationReply == null ? null : generationReply.toString(StandardCharsets.US_ASCII);
        if (valueReply == null) {
            return new CacheLookup(valueKey, CacheLookup.Outcome.MISS, generation, null);
        }
        CacheCodec.Decoded decoded = codec.decode(valueReply.toBytes());
        if (!decoded.readable()) {
            return new CacheLookup(valueKey, CacheLookup.Outcome.CORRUPT, generation, null);
        }
        if (generation == null || !generation.equals(decoded.generation())) {
            return new CacheLookup(valueKey, CacheLookup.Outcome.STALE, generation, null);
        }
        return new CacheLookup(valueKey, CacheLookup.Outcome.HIT, generation, decoded.json());
    }

    private static String freshGeneration() {
        return Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    }
}
