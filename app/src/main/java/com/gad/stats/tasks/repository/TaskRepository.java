package com.gad.stats.tasks.repository;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.gad.stats.common.InvalidInput;
import com.gad.stats.database.DatabaseUnavailable;
import com.gad.stats.tasks.model.DuplicateCodigo;
import com.gad.stats.tasks.model.Task;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;

/** SQL of {@code tareas}. Soft-deleted rows are invisible here. */
@ApplicationScoped
public class TaskRepository {

    private static final String COLUMNS = """
            id, codigo, titulo, descripcion, tipo, prioridad, estado, delegado_usuario_id, creado_por_usuario_id,
            inicio_programado, fin_programado, inicio_real, fin_real, created_at, updated_at""";

    /**
     * The writing transaction's id, as the tareas triggers send it (V5 migration). txid_current(),
     * not pg_current_xact_id(): the same number, and it also works before PostgreSQL 13.
     */
    private static final String TRANSACTION = "txid_current() AS txid";

    private final Pool pool;

    TaskRepository(Pool pool) {
        this.pool = pool;
    }

    public <T> Uni<T> inTransaction(java.util.function.Function<SqlConnection, Uni<T>> work) {
        return pool.withTransaction(work).plug(DatabaseUnavailable::whenFailing);
    }

    /** The row as inserted, and its transaction (the statement's own). */
    public Uni<Written<Task>> insert(Task t) {
        return pool.preparedQuery("""
                INSERT INTO tareas (codigo, titulo, descripcion, tipo, prioridad, estado, delegado_usuario_id,
                                    creado_por_usuario_id, inicio_programado, fin_programado, inicio_real, fin_real)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                RETURNING """ + " " + COLUMNS + ", " + TRANSACTION)
                .execute(Tuple.from(new Object[] { t.codigo(), t.titulo(), t.descripcion(), t.tipo(), (short) t.prioridad(),
                        t.estado(), t.delegadoUsuarioId(), t.creadoPorUsuarioId(), t.inicioProgramado(), t.finProgramado(),
                        t.inicioReal(), t.finReal() }))
                .onFailure(PgException.class).transform(TaskRepository::translate)
                .map(TaskRepository::written)
                .plug(DatabaseUnavailable::whenFailing);
    }

    public Uni<Task> findById(long id) {
        return findById(pool, id, false);
    }

    /** The live task, row-locked until the transaction ends; null when absent. */
    public Uni<Task> lockById(SqlConnection conn, long id) {
        return findById(conn, id, true);
    }

    /** The row as updated, and the transaction of {@code conn}. */
    public Uni<Written<Task>> update(SqlConnection conn, Task t) {
        return conn.preparedQuery("""
                UPDATE tareas
                   SET titulo = $2, descripcion = $3, tipo = $4, prioridad = $5, estado = $6, delegado_usuario_id = $7,
                       inicio_programado = $8, fin_programado = $9, inicio_real = $10, fin_real = $11, updated_at = now()
                 WHERE id = $1 AND deleted_at IS NULL
                RETURNING """ + " " + COLUMNS + ", " + TRANSACTION)
                .execute(Tuple.from(new Object[] { t.id(), t.titulo(), t.descripcion(), t.tipo(), (short) t.prioridad(),
                        t.estado(), t.delegadoUsuarioId(), t.inicioProgramado(), t.finProgramado(), t.inicioReal(),
                        t.finReal() }))
                .onFailure(PgException.class).transform(TaskRepository::translate)
                .map(TaskRepository::written)
                .plug(DatabaseUnavailable::whenFailing);
    }

    /** Soft delete; the delegado of the deleted task and the transaction, or null when there was no live task. */
    public Uni<Written<Long>> softDelete(long id) {
        return pool.preparedQuery("""
                UPDATE tareas SET deleted_at = now(), updated_at = now()
                 WHERE id = $1 AND deleted_at IS NULL
                RETURNING delegado_usuario_id, """ + " " + TRANSACTION)
                .execute(Tuple.of(id))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    Row row = rows.iterator().next();
                    return new Written<>(row.getLong("delegado_usuario_id"), row.getLong("txid"));
                })
                .plug(DatabaseUnavailable::whenFailing);
    }

    /** Newest first; {@code delegado} and {@code estado} are optional filters. */
    public Uni<List<Task>> list(Long delegado, String estado, int limit, int offset) {
        return pool.preparedQuery("SELECT " + COLUMNS + """
                  FROM tareas
                 WHERE deleted_at IS NULL
                   AND ($1::bigint IS NULL OR delegado_usuario_id = $1)
                   AND ($2::varchar IS NULL OR estado = $2)
                 ORDER BY created_at DESC, id DESC
                 LIMIT $3 OFFSET $4
                """)
                .execute(Tuple.of(delegado, estado, limit, offset))
                .map(TaskRepository::toTasks)
                .plug(DatabaseUnavailable::whenFailing);
    }

    private static Uni<Task> findById(SqlClient client, long id, boolean lock) {
        return client.preparedQuery("SELECT " + COLUMNS + " FROM tareas WHERE id = $1 AND deleted_at IS NULL"
                + (lock ? " FOR UPDATE" : ""))
                .execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? null : toTask(rows.iterator().next()))
                .plug(DatabaseUnavailable::whenFailing);
    }

    /** Constraint violations are the client's fault (invalid input, a taken codigo); anything else stays an error. */
    static Throwable translate(Throwable failure) {
        PgException pg = (PgException) failure;
        String state = pg.getSqlState() == null ? "" : pg.getSqlState();
        return switch (state) {
            case "23503" -> new InvalidInput("delegado_usuario_id", "delegado_usuario_id is not an existing user");
            case "23505" -> new DuplicateCodigo();
            case "23514" -> new InvalidInput(null, "The task violates a constraint (dates out of order or a value out of range)");
            default -> failure;
        };
    }

    private static Written<Task> written(RowSet<Row> rows) {
        Row row = rows.iterator().next();
        return new Written<>(toTask(row), row.getLong("txid"));
    }

    private static List<Task> toTasks(RowSet<Row> rows) {
        List<Task> tasks = new ArrayList<>(rows.size());
        for (Row row : rows) {
            tasks.add(toTask(row));
        }
        return tasks;
    }

    private static Task toTask(Row row) {
        return new Task(row.getLong("id"), row.getString("codigo"), row.getString("titulo"), row.getString("descripcion"),
                row.getString("tipo"), row.getShort("prioridad"), row.getString("estado"), row.getLong("delegado_usuario_id"),
                row.getLong("creado_por_usuario_id"), row.getOffsetDateTime("inicio_programado"),
                row.getOffsetDateTime("fin_programado"), row.getOffsetDateTime("inicio_real"),
                row.getOffsetDateTime("fin_real"), row.getOffsetDateTime("created_at"), row.getOffsetDateTime("updated_at"));
    }
}
