package com.gad.stats.cache;

/**
 * A CDI event: a Redis master the cache uses changed ({@link MasterWatch}). Values read from it may
 * predate invalidations made on its predecessor, so every cached value must be made stale.
 *
 * @param what which masters changed and how, for logs
 */
public record MasterChange(String what) {
}
