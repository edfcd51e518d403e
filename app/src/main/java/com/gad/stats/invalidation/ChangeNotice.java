package com.gad.stats.invalidation;

/**
 * One notification of the {@code gad_stats_invalidate} channel, as the {@code tareas} triggers
 * send it (V3 migration): {@code <ms>:<id>,<id>,...}, or {@code <ms>:*} after a TRUNCATE, where
 * {@code <ms>} is the database clock at the end of the statement (Unix epoch milliseconds).
 */
sealed interface ChangeNotice {

    /** Longest payload quoted in a log line. */
    int LOGGED_PAYLOAD = 80;

    /** Tasks of these delegados changed. */
    record Users(long changedAtMillis, long[] userIds) implements ChangeNotice {
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
        try {
            long changedAt = Long.parseLong(payload, 0, colon, 10);
            if (colon == payload.length() - 2 && payload.charAt(colon + 1) == '*') {
                return new AllUsers(changedAt);
            }
            return new Users(changedAt, userIds(payload, colon + 1));
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
