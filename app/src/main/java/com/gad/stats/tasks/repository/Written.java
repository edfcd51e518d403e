package com.gad.stats.tasks.repository;

/**
 * What a write returned, with the id of the transaction that made it ({@code txid_current()}, read
 * in that transaction): the {@code tareas} triggers name the same transaction in their change
 * notification, so the cache applies the change once, whoever hears of it first.
 */
public record Written<T>(T row, long transactionId) {
}
