package com.gad.stats.invalidation;

import java.util.OptionalLong;

/**
 * One notification of the {@code gad_stats_invalidate} channel, as the {@code tareas} triggers
 * send it (V5 migration): {@code <ms>:<txid>:<id>,<id>,...}, or {@code <ms>:<txid>:*} after a
 * TRUNCATE, where {@code <ms>} is the database clock at the end of the statement (Unix epoch
 * milliseconds) and {@code <txid>} the transaction that made the change ({@code txid_current()}).
 * The V3 form without the transaction, {@code <ms>:<id>,...}, is still read (a trigger that
 * predates V5, or a notification sent by hand): its users are invalidated unconditionally.
 */
sealed interface ChangeNotice {

    /** Longest payload quoted in a log line. */
    int LOGGED_PAYLOAD = 80;

    /** Tasks of these delegados changed, in the transaction named when it is known. */
    record Users(long changedAtMillis, OptionalLong transactionId, long[] userIds) implements ChangeNotice {
    }

    /** Every task may have changed (TRUNCATE). */
    record AllUsers(long changedAtMillis) implements ChangeNotice {
    }

    /** Not in the trigger's format: which users changed is unknown. */
    record Unreadable(String payload) implements ChangeNotice {

        String excerpt() {
            return payload.length() <= LOGGED_PAYLOAD ? payload : payload.substring(0, LOGGED_PAYLOAD) + "...";
        }
    }

    static ChangeNotice parse(String payload) {
        int colon = payload.indexOf(':');
        if (colon <= 0 || colon == payload.length() - 1) {
            return new Unreadable(payload);
        }
        int second = payload.indexOf(':', colon + 1);
        int ids = second < 0 ? colon : second;
        if (ids == colon + 1 || ids == payload.length() - 1) {
            return new Unreadable(payload);
        }
        try {
            long changedAt = Long.parseLong(payload, 0, colon, 10);
            OptionalLong transaction = second < 0 ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(payload, colon + 1, second, 10));
            if (transaction.isPresent() && transaction.getAsLong() <= 0) {
                return new Unreadable(payload);
            }
            if (ids == payload.length() - 2 && payload.charAt(ids + 1) == '*') {
                return new AllUsers(changedAt);
            }
            return new Users(changedAt, transaction, userIds(payload, ids + 1));
        } catch (NumberFormatException e) {
            return new Unreadable(payload);
        }
    }

    /** The comma-separated positive ids from {@code start} to the end. */
    private static long[] userIds(String payload, int start) {
        int count = 1;
        for (int i = start; i < payload.length(); i++) {
            if (payload.charAt(i) == ',') {
                count++;
            }
        }
        long[] ids = new long[count];
        int from = start;
        for (int n = 0; n < count; n++) {
            int to = payload.indexOf(',', from);
            to = to < 0 ? payload.length() : to;
            ids[n] = Long.parseLong(payload, from, to, 10);
            if (ids[n] <= 0) {
                throw new NumberFormatException("not a user id: " + ids[n]);
            }
            from = to + 1;
        }
        return ids;
    }
}
