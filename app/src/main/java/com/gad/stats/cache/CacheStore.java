package com.gad.stats.cache;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.mutiny.Uni;

/**
 * The port between the cache-aside pipeline and the store behind it (Redis in production). It
 * speaks of stored bytes and generations only; what they mean (hit, stale, corrupt) is decided by
 * {@link CacheAside}. Every method may fail; the pipeline turns failures into database reads.
 *
 * <p>One user's keys live in one Redis Cluster slot, so each method is one single-slot command.
 */
public interface CacheStore {

    /**
     * The user's generation at read time and the value's stored bytes, when there are any, and the
     * value's remaining TTL when it was asked for (empty: not asked, or the value never expires).
     */
    record Stored(String generation, Optional<byte[]> bytes, Optional<Duration> remainingTtl) {
    }

    /**
     * Reads the user's generation and the value together (and the value's remaining TTL, in the same
     * round trip, when {@code withRemainingTtl}). A user without a generation gets one first, so
     * concurrent first readers agree on it and all of their write-backs are kept.
     */
    Uni<Stored> read(CacheKey key, boolean withRemainingTtl);

    /** Takes the value's short cross-instance lock: {@link LockAttempt.Held} or {@link LockAttempt#BUSY}. */
    Uni<LockAttempt> tryLock(CacheKey key, Duration ttl);

    /** A lock attempt and what the store held at that moment. */
    record LockedRead(LockAttempt attempt, Stored stored) {
    }

    /**
     * Takes the lock as {@link #tryLock} does and reads generation and value again with it: a miss
     * that read nothing, while another instance's load was about to store and unlock, then sees that
     * value instead of taking the freed lock and loading a second time. The Redis store does both in
     * one round trip. {@code withRemainingTtl} as for {@link #read}.
     */
    default Uni<LockedRead> tryLockAndRead(CacheKey key, Duration ttl, boolean withRemainingTtl) {
        return tryLock(key, ttl).chain(attempt -> read(key, withRemainingTtl).map(stored -> new LockedRead(attempt, stored)));
    }

    /** Releases the lock if this holder still owns it (it may have expired and been retaken). */
    Uni<Void> unlock(CacheKey key, LockAttempt.Held lock);

    /**
     * Stores {@code bytes} for {@code ttl} only if the user's generation is still {@code generation}
     * (the stale-set guard), releasing {@code lock} in the same call; true when stored.
     */
    Uni<Boolean> storeIfGeneration(CacheKey key, String generation, byte[] bytes, Duration ttl,
            Optional<LockAttempt.Held> lock);

    /** Gives the user a fresh generation: every value stored under an older one reads as stale. */
    Uni<Void> invalidateUser(long userId);

    /**
     * Gives the user a fresh generation for the committed transaction {@code transactionId}, unless
     * that was done already (by any instance) within {@code remembered}: the check, the new generation
     * and the record of it are one atomic step. True when this call changed the generation.
     */
    Uni<Boolean> invalidateUserOnce(long userId, long transactionId, Duration remembered);
}
