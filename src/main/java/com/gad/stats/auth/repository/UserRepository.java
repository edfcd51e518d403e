package com.gad.stats.auth.repository;

import jakarta.enterprise.context.ApplicationScoped;

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

    /** The account with this email (case-insensitive); null when none. */
    public Uni<UserAccount> findByEmail(String email) {
        return pool.preparedQuery("""
                SELECT id, email, nivel, hashed_password, activo
                  FROM usuarios
                 WHERE lower(email) = lower($1)
                """)
                .execute(Tuple.of(email))
                .map(rows -> rows.size() == 0 ? null : toAccount(rows.iterator().next()));
    }

    /** Inserts an administrator unless the email exists; true when inserted. */
    public Uni<Boolean> insertAdminIfAbsent(String email, String hashedPassword) {
        return pool.preparedQuery("""
                INSERT INTO usuarios (email, nombre, apellido, nivel, hashed_password)
                VALUES ($1, 'Administrador', '', 3, $2)
                ON CONFLICT (email) DO NOTHING
                """)
                .execute(Tuple.of(email, hashedPassword))
                .map(rows -> rows.rowCount() == 1);
    }

    private static UserAccount toAccount(Row row) {
        return new UserAccount(row.getLong("id"), row.getString("email"), row.getShort("nivel"),
                row.getString("hashed_password"), row.getBoolean("activo"));
    }
}
