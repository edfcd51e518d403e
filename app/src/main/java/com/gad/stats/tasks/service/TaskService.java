package com.gad.stats.tasks.service;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.Supplier;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.runtime.Startup;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.gad.stats.auth.Caller;
import com.gad.stats.cache.CacheAside;
import com.gad.stats.cache.CacheInvalidation;
import com.gad.stats.cache.CacheKey;
import com.gad.stats.cache.CachedJson;
import com.gad.stats.common.AccessDenied;
import com.gad.stats.common.InvalidInput;
import com.gad.stats.tasks.model.Estado;
import com.gad.stats.tasks.model.Task;
import com.gad.stats.tasks.model.TaskChanges;
import com.gad.stats.tasks.model.TaskNotFound;
import com.gad.stats.tasks.model.TaskPage;
import com.gad.stats.tasks.repository.TaskRepository;
import com.gad.stats.tasks.repository.Written;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;

/**
 * Task writes and reads, and every rule of who may do what with a task (the resource only requires
 * one of the known roles). Every write invalidates the caches of every user it affects (the old
 * and the new delegado) after the transaction commits — one O(1) Redis command per user, once per
 * transaction across every instance (the database listeners skip what the API already did). A failed
 * invalidation is logged and counted by the cache; the write stands, and the values it could not
 * invalidate expire within their TTL.
 */
@ApplicationScoped
@Startup // meters exist from start, not from the first request
public class TaskService {

    private final TaskRepository repository;
    private final CacheAside cache;
    private final CacheInvalidation invalidation;
    private final ObjectMapper mapper;
    private final MeterRegistry registry;

    TaskService(TaskRepository repository, CacheAside cache, CacheInvalidation invalidation, ObjectMapper mapper,
            MeterRegistry registry) {
        this.repository = repository;
        this.cache = cache;
        this.invalidation = invalidation;
        this.mapper = mapper;
        this.registry = registry;
        for (String operation : new String[] { "create", "update", "delete" }) {
            registry.counter("gad.tasks.writes", "operation", operation);
        }
    }

    /** Supervisors and admins create tasks for anyone. */
    public Uni<Task> create(Caller caller, TaskChanges c) {
        requireStaff(caller);
        c.requireComplete();
        Estado estado = c.estado == null ? Estado.PROGRAMADA : c.estado;
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        Task task = new Task(0, c.codigo != null ? c.codigo : generatedCodigo(), c.titulo, c.descripcion, c.tipo,
                c.prioridad == null ? TaskChanges.DEFAULT_PRIORIDAD : c.prioridad, estado.value(), c.delegadoUsuarioId,
                caller.id(), c.inicioProgramado, c.finProgramado, estado.stampsStart() ? now : null,
                estado.stampsEnd() ? now : null, null, null);
        requireScheduleInOrder(task);
        return repository.insert(task)
                .call(created -> written("create", created.transactionId(), created.row().delegadoUsuarioId()))
                .map(Written::row);
    }

    /** A live task its delegado, a supervisor or an admin may read. */
    public Uni<Task> get(Caller caller, long id) {
        return repository.findById(id)
                .map(task -> {
                    requireVisible(caller, task, id);
                    return task;
                });
    }

    /**
     * PUT ({@code replace}) or PATCH: one transaction with the row locked, then invalidation.
     * Supervisors and admins replace the whole task with PUT; an efectivo's PUT, like a PATCH,
     * changes only the members sent, which for an efectivo may only be the estado of their own task.
     */
    public Uni<Task> update(Caller caller, long id, TaskChanges changes, boolean replace) {
        boolean fullReplacement = replace && caller.staff();
        if (fullReplacement) {
            changes.requireComplete();
        } else {
            changes.requireAny();
        }
        return repository.inTransaction(conn -> repository.lockById(conn, id)
                .chain(current -> {
                    requireVisible(caller, current, id);
                    requireMayChange(caller, current, changes);
                    return repository.update(conn, merged(current, changes, fullReplacement))
                            .map(updated -> new Change(current, updated));
                }))
                .call(change -> written("update", change.after().transactionId(), change.before().delegadoUsuarioId(),
                        change.after().row().delegadoUsuarioId()))
                .map(change -> change.after().row());
    }

    /** Soft delete, by a supervisor or an admin. */
    public Uni<Void> delete(Caller caller, long id) {
        requireStaff(caller);
        return repository.softDelete(id)
                .chain(deleted -> {
                    if (deleted == null) {
                        throw new TaskNotFound(id);
                    }
                    return written("delete", deleted.transactionId(), deleted.row());
                });
    }

    /**
     * A page of the tasks {@code caller} may see: an efectivo only their own (asking for another
     * delegado's is refused), supervisors and admins everyone's or one delegado's.
     */
    public Uni<CachedJson> list(Caller caller, Long delegado, Estado estado, int limit, int offset) {
        Long scope = delegado;
        if (!caller.staff()) {
            if (delegado != null && delegado != caller.id()) {
                throw new AccessDenied("You may only list your own tasks");
            }
            scope = caller.id();
        }
        return list(scope, estado == null ? null : estado.value(), limit, offset);
    }

    /**
     * A page of tasks as JSON. Lists of one delegado are cached with that user's other values (and
     * invalidated with them); the all-users list of supervisors is always read from the database.
     */
    private Uni<CachedJson> list(Long delegado, String estado, int limit, int offset) {
        Supplier<Uni<byte[]>> page = () -> repository.list(delegado, estado, limit, offset)
                .map(tasks -> toJson(new TaskPage(tasks, limit, offset, tasks.size())));
        return delegado == null
                ? cache.uncached(page)
                : cache.get(CacheKey.tasks(delegado, limit, offset, estado), page);
    }

    /**
     * A committed write: counted, then the caches of every user it touched are invalidated, once for
     * its transaction: the listeners that hear of the same transaction skip it (and do it, should
     * this invalidation fail).
     */
    private Uni<Void> written(String operation, long transactionId, Long... affectedUsers) {
        registry.counter("gad.tasks.writes", "operation", operation).increment();
        return invalidation.invalidateAfterCommit(transactionId, List.of(affectedUsers), affectedUsers.length);
    }

    /** A task before and after an update (the delegado may differ: both users are affected). */
    private record Change(Task before, Written<Task> after) {
    }

    private static void requireStaff(Caller caller) {
        if (!caller.staff()) {
            throw new AccessDenied(AccessDenied.ROLE);
        }
    }

    private static void requireVisible(Caller caller, Task task, long id) {
        if (task == null) {
            throw new TaskNotFound(id);
        }
        caller.requireSelfOrStaff(task.delegadoUsuarioId());
    }

    /** An efectivo may change only the estado of their own tasks; supervisors and admins anything. */
    private static void requireMayChange(Caller caller, Task current, TaskChanges changes) {
        if (caller.staff()) {
            return;
        }
        if (current.delegadoUsuarioId() != caller.id() || !changes.onlyEstado()) {
            throw new AccessDenied("An efectivo may only change the estado of their own tasks");
        }
    }

    private static Task merged(Task current, TaskChanges c, boolean replace) {
        if (c.has("codigo") && !c.codigo.equals(current.codigo())) {
            throw new InvalidInput("codigo", "codigo cannot be changed");
        }
        Estado from = Estado.fromString(current.estado());
        Estado to = c.has("estado") ? from.requireTransition(c.estado) : from;
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        OffsetDateTime inicioReal = current.inicioReal() == null && to.stampsStart() ? now : current.inicioReal();
        OffsetDateTime finReal = current.finReal() == null && to.stampsEnd() ? now : current.finReal();
        Task merged = new Task(current.id(), current.codigo(),
                c.has("titulo") ? c.titulo : current.titulo(),
                c.has("descripcion") || replace ? c.descripcion : current.descripcion(),
                c.has("tipo") ? c.tipo : current.tipo(),
                c.has("prioridad") ? c.prioridad : (replace ? TaskChanges.DEFAULT_PRIORIDAD : current.prioridad()),
                to.value(),
                c.has("delegado_usuario_id") ? c.delegadoUsuarioId : current.delegadoUsuarioId(),
                current.creadoPorUsuarioId(),
                c.has("inicio_programado") || replace ? c.inicioProgramado : current.inicioProgramado(),
                c.has("fin_programado") || replace ? c.finProgramado : current.finProgramado(),
                inicioReal, finReal, current.createdAt(), current.updatedAt());
        requireScheduleInOrder(merged);
        return merged;
    }

    private static void requireScheduleInOrder(Task t) {
        if (t.inicioProgramado() != null && t.finProgramado() != null && t.finProgramado().isBefore(t.inicioProgramado())) {
            throw new InvalidInput("fin_programado", "fin_programado must not be before inicio_programado");
        }
    }

    private static String generatedCodigo() {
        return "T-" + UUID.randomUUID().toString().substring(0, 13).replace("-", "").toUpperCase();
    }

    private byte[] toJson(TaskPage page) {
        try {
            return mapper.writeValueAsBytes(page);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("task page could not be serialized", e);
        }
    }
}
