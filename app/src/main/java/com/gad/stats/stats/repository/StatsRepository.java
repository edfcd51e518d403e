package com.gad.stats.stats.repository;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.runtime.Startup;

import com.gad.stats.database.DatabaseUnavailable;
import com.gad.stats.stats.model.UserStats;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.PreparedQuery;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;

/** The statistics aggregation: one SQL statement, one round trip, one row. */
@ApplicationScoped
@Startup // meters exist from start, not from the first request
public class StatsRepository {

    /**
     * Every figure in one statement (aggregate + FILTER). The usuarios row turns "unknown user"
     * into zero rows; the tareas side is an index-only range scan of ix_tareas_delegado_created_live.
     * Figures are exact: the mean duration is the numeric mean of the exact durations in seconds,
     * divided by 3600 afterwards (1,707 s and 47,433 s average 6.825 h exactly), and both figures are
     * rounded to 2 decimals half away from zero by PostgreSQL's numeric round(). The cast keeps the
     * arithmetic numeric on PostgreSQL before 14, where extract() returns double precision.
     */
    static final String USER_STATS_SQL = """
            SELECT count(t.created_at)                                        AS total,
                   count(t.created_at) FILTER (WHERE t.estado = 'finalizada') AS completadas,
                   count(t.created_at) FILTER (WHERE t.estado = 'en_curso')   AS en_progreso,
                   count(t.created_at) FILTER (WHERE t.estado = 'programada') AS programadas,
                   count(t.created_at) FILTER (WHERE t.estado = 'cancelada')  AS canceladas,
                   count(t.created_at) FILTER (WHERE t.estado = 'pausada')    AS pausadas,
                   round(coalesce(avg(extract(epoch FROM t.fin_real - t.inicio_real)::numeric)
                         FILTER (WHERE t.estado = 'finalizada'
                                   AND t.inicio_real IS NOT NULL AND t.fin_real IS NOT NULL) / 3600, 0), 2)
                                                                              AS promedio_duracion_horas,
                   round(count(t.created_at) FILTER (WHERE t.estado = 'finalizada')::numeric / $2, 2)
                                                                              AS productividad_diaria
              FROM usuarios u
              LEFT JOIN tareas t
                     ON t.delegado_usuario_id = u.id
                    AND t.deleted_at IS NULL
                    AND t.created_at >= now() - make_interval(days => $2)
             WHERE u.id = $1
             GROUP BY u.id
            """;

    private static final DateTimeFormatter MICROS_UTC = DateTimeFormatter
            .ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    private final Pool pool;
    private final PreparedQuery<RowSet<Row>> userStatsQuery;
    private final Timer aggregationTimer;

    StatsRepository(Pool pool, MeterRegistry registry) {
        this.pool = pool;
        this.userStatsQuery = pool.preparedQuery(USER_STATS_SQL);
        this.aggregationTimer = Timer.builder("gad.stats.aggregation")
                .description("Latency of the statistics aggregation query")
                .publishPercentileHistogram()
                .register(registry);
    }

    /** Statistics of the user over the last {@code days} days; null when the user does not exist. */
    public Uni<UserStats> userStats(long userId, int days) {
        Timer.Sample sample = Timer.start();
        return userStatsQuery.execute(Tuple.of(userId, days))
                .onTermination().invoke(() -> sample.stop(aggregationTimer))
                .map(rows -> rows.size() == 0 ? null : toStats(rows.iterator().next(), userId, days))
                .plug(DatabaseUnavailable::whenFailing);
    }

    /** The users with the most live tasks created in the last {@code days} days (warm-up). */
    public Uni<java.util.List<Long>> mostActiveUsers(int limit, int days) {
        return pool.preparedQuery("""
                SELECT delegado_usuario_id
                  FROM tareas
                 WHERE deleted_at IS NULL AND created_at >= now() - make_interval(days => $2)
                 GROUP BY delegado_usuario_id
                 ORDER BY count(*) DESC
                 LIMIT $1
                """)
                .execute(Tuple.of(limit, days))
                .map(rows -> {
                    java.util.List<Long> ids = new java.util.ArrayList<>(rows.size());
                    rows.forEach(row -> ids.add(row.getLong(0)));
                    return ids;
                })
                .plug(DatabaseUnavailable::whenFailing);
    }

    private static UserStats toStats(Row row, long userId, int days) {
        long completadas = row.getLong("completadas");
        long enProgreso = row.getLong("en_progreso");
        long programadas = row.getLong("programadas");
        long canceladas = row.getLong("canceladas");
        long pausadas = row.getLong("pausadas");
        return new UserStats(userId, days, row.getLong("total"), completadas, enProgreso, programadas, canceladas,
                pausadas,
                row.getNumeric("promedio_duracion_horas").doubleValue(),
                row.getNumeric("productividad_diaria").doubleValue(),
                new UserStats.Estados(completadas, enProgreso, programadas, canceladas, pausadas),
                MICROS_UTC.format(Instant.now()));
    }
}
