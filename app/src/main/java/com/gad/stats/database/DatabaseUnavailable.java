package com.gad.stats.database;

import com.gad.stats.common.ApiException;
import com.gad.stats.common.DomainException;
import com.gad.stats.common.ServiceUnavailable;

import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;

/**
 * PostgreSQL could not answer: a 503 with Retry-After, whatever the reactive client raised. A
 * restarting or unreachable server surfaces in many families — a refused or reset connection
 * (Netty's {@code NativeIoException}, {@code SocketException}), {@code ClosedConnectionException},
 * {@code PgException} with SQLSTATE 08/57P/53, a TLS handshake failure — and none of them is the
 * client's fault, so the repositories turn every failure of a statement into this one type rather
 * than the problem mapper guessing the families.
 */
public class DatabaseUnavailable extends ServiceUnavailable {

    public static final String DETAIL = "The database is unavailable; retry later";

    public DatabaseUnavailable(Throwable cause) {
        super(DETAIL, BACKEND_RETRY_AFTER_SECONDS, cause);
    }

    /**
     * {@code statement} with every failure that is not already an answer (a refusal the repository
     * translated, e.g. a unique violation, or an API answer) turned into this one. Logged at WARN by
     * type only: a driver message can quote SQL or values.
     */
    public static <T> Uni<T> whenFailing(Uni<T> statement) {
        return statement.onFailure(failure -> !(failure instanceof DomainException) && !(failure instanceof ApiException))
                .transform(failure -> {
                    Log.warnf("database unavailable: %s", failure.getClass().getName());
                    return new DatabaseUnavailable(failure);
                });
    }
}
