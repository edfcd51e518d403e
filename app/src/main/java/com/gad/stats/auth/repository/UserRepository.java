package com.gad.stats.auth.repository;

import jakarta.enterprise.context.ApplicationScoped;

import com.gad.stats.database.DatabaseUnavailable;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/** Reads and writes of {@code usuarios} needed by authentication. */
@ApplicationScoped
public class UserRepository {

    private final Pool pool;

    UserRepository(Pool pool) {
        this.pool = pool;
    }

    /**
     * The account with this email (case-insensitive, through ix_usuarios_email_lower); when other
     * tools stored two spellings of one address, the exact spelling wins. Null when none.
     */
    public Uni<UserAccount> findByEmail(String email) {
        return pool.preparedQuery("""
                SELECT id, email, nivel, hashed_password, activo,
                       coalesce(bloqueado_hasta > now(), false) AS locked
                  FROM usuarios
                 WHERE lower(email) = lower($1)
                 ORDER BY email = $1 DESC, id
                 LIMIT 1
                """)
                .execute(Tuple.of(email))
                .map(rows -> rows.size() == 0 ? null : toAccount(rows.iterator().next()))
                .plug(DatabaseUnavailable::whenFailing);
    }

    /**
     * Counts one failed password, atomically (the row lock of the UPDATE serializes concurrent
     * failures): the count restarts after an expired lock, and reaching {@code maxFailures} locks
     * the account for {@code lockSeconds}. A locked account is not counted (its lock is not
     * extended). Returns the new count and whether the account is now locked; an id that matches
     * no unlocked row (0 is used to keep refusals of unknown emails as costly as the others)
     * returns {@code null}.
     */
    public Uni<FailureCount> recordFailure(long id, int maxFailures, double lockSeconds) {
        return pool.preparedQuery("""
                UPDATE usuarios
                   SET intentos_fallidos = CASE WHEN bloqueado_hasta IS NULL THEN intentos_fallidos + 1 ELSE 1 END,
                       bloqueado_hasta = CASE
                           WHEN (CASE WHEN bloqueado_hasta IS NULL THEN intentos_fallidos + 1 ELSE 1 END) >= $2
                           THEN now() + make_interval(secs => $3)
                           ELSE NULL END
                 WHERE id = $1 AND (bloqueado_hasta IS NULL OR bloqueado_hasta <= now())
                RETURNING intentos_fallidos, bloqueado_hasta IS NOT NULL AS locked
                """)
                .execute(Tuple.of(id, maxFailures, lockSeconds))
                .map(rows -> rows.size() == 0 ? null
                        : new FailureCount(rows.iterator().next().getInteger("intentos_fallidos"),
                                rows.iterator().next().getBoolean("locked")))
                .plug(DatabaseUnavailable::whenFailing);
    }

    /**
     * A successful login: resets the failure count and an expired lock. False when the account
     * became locked meanwhile (concurrent failures), in which case the login must be refused.
     */
    public Uni<Boolean> recordSuccess(long id) {
        return pool.preparedQuery("""
                UPDATE usuarios SET intentos_fallidos = 0, bloqueado_hasta = NULL
                 WHERE id = $1 AND (bloqueado_hasta IS NULL OR bloqueado_hasta <= now())
                """)
                .execute(Tuple.of(id))
                .map(rows -> rows.rowCount() == 1)
                .plug(DatabaseUnavailable::whenFailing);
    }

    /** The failure count after {@link #recordFailure}; {@code locked} when this failure locked the account. */
    public record FailureCount(int failures, boolean locked) {
    }

    /** Inserts an administrator unless the email exists; true when inserted. */
    public Uni<Boolean> insertAdminIfAbsent(String email, String hashedPassword) {
        return pool.preparedQuery("""
                INSERT INTO usuarios (email, nombre, apellido, nivel, hashed_password)
                VALUES ($1, 'Administrador', '', 3, $2)
                ON CONFLICT (email) DO NOTHING
                """)
                .execute(Tuple.of(email, hashedPassword))
                .map(rows -> rows.rowCount() == 1)
                .plug(DatabaseUnavailable::whenFailing);
    }

    private static UserAccount toAccount(Row row) {
        return new UserAccount(row.getLong("id"), row.getString("email"), row.getShort("nivel"),
                row.getString("hashed_password"), row.getBoolean("activo"), row.getBoolean("locked"));
    }
}
