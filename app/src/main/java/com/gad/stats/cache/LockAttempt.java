package com.gad.stats.cache;

/**
 * The outcome of asking for a value's cross-instance stampede lock.
 */
public sealed interface LockAttempt {

    /** This caller holds the lock until it stores the value (or the lock expires). */
    record Held(String token) implements LockAttempt {
    }

    /** Another caller, maybe in another instance, holds it and is computing the value. */
    record Busy() implements LockAttempt {
    }

    /** Redis could not be asked: compute without the lock. */
    record Unavailable() implements LockAttempt {
    }

    LockAttempt BUSY = new Busy();
}
