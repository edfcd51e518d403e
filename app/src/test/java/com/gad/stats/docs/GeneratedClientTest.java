package com.gad.stats.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.OffsetDateTime;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.gad.stats.client.ApiClient;
import com.gad.stats.client.ApiException;
import com.gad.stats.client.api.AuthApi;
import com.gad.stats.client.api.StatsApi;
import com.gad.stats.client.api.TasksApi;
import com.gad.stats.client.model.CacheStatus;
import com.gad.stats.client.model.Estado;
import com.gad.stats.client.model.LoginRequest;
import com.gad.stats.client.model.Task;
import com.gad.stats.client.model.TaskCreateRequest;
import com.gad.stats.client.model.TaskPage;
import com.gad.stats.client.model.Tipo;
import com.gad.stats.client.model.UserStats;
import com.gad.stats.support.Api;
import com.gad.stats.support.LocalServicesResource;
import com.gad.stats.support.TestData;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;

/**
 * A client generated from the committed OpenAPI document by openapi-generator (Java, the
 * java.net.http "native" library; see the pom) logs in, creates a task, reads statistics and lists
 * tasks. OpenApiTest keeps the committed document equal to /q/openapi, so this is the document
 * the service serves, used as any consumer would use it.
 */
@QuarkusTest
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
public class GeneratedClientTest {

    static ApiClient client(String token) {
        ApiClient client = new ApiClient();
        client.updateBaseUri("http://localhost:" + RestAssured.port);
        if (token != null) {
            client.setRequestInterceptor(request -> request.header("Authorization", "Bearer " + token));
        }
        return client;
    }

    @Test
    void createsATaskReadsStatisticsAndListsTasks() throws ApiException {
        long efectivo = TestData.user(1);
        String email = TestData.email(TestData.user(2));
        String token = new AuthApi(client(null)).login(new LoginRequest().email(email).password(TestData.PASSWORD)).getAccessToken();
        TasksApi tasks = new TasksApi(client(token));
        StatsApi stats = new StatsApi(client(token));

        UserStats before = stats.userStats(efectivo, 30, true);
        assertEquals(0L, before.getTotal());
        assertEquals(CacheStatus.ReasonEnum.MISS, before.getCache().getReason());

        OffsetDateTime start = OffsetDateTime.parse("2025-10-12T20:00:00Z");
        Task created = tasks.createTask(new TaskCreateRequest().titulo("Vigilancia nocturna").tipo(Tipo.VIGILANCIA).prioridad(2)
                .delegadoUsuarioId(efectivo).inicioProgramado(start).finProgramado(start.plusHours(8)));
        assertNotNull(created.getId());
        assertNotNull(created.getCodigo());
        assertEquals(Task.EstadoEnum.PROGRAMADA, created.getEstado());
        assertEquals(Task.TipoEnum.VIGILANCIA, created.getTipo());
        assertEquals(efectivo, created.getDelegadoUsuarioId());
        assertTrue(start.isEqual(created.getInicioProgramado()));
        assertNull(created.getInicioReal());

        // the create invalidated the delegado's cached statistics
        UserStats after = stats.userStats(efectivo, 30, true);
        assertEquals(1L, after.getTotal());
        assertEquals(1L, after.getProgramadas());
        assertEquals(1L, after.getEstados().getPROGRAMMED());
        assertFalse(after.getCache().getHit());
        assertEquals(CacheStatus.ReasonEnum.STALE, after.getCache().getReason());
        // the create's transaction was invalidated once before the create was answered (by the API, or by
        // the listener if it heard first): its notification changes nothing more, so once it is applied
        // the value stored by the read above is still a hit
        Api.awaitChangesApplied();
        assertTrue(stats.userStats(efectivo, 30, true).getCache().getHit());

        TaskPage page = tasks.listTasks(efectivo, Estado.PROGRAMADA, 10, 0);
        assertEquals(List.of(created.getId()), page.getItems().stream().map(Task::getId).toList());
        assertEquals(1, page.getCount());
        assertEquals(10, page.getLimit());
        assertNotNull(page.getCache().getKey());

        // a refusal reaches the client as its exception, with the problem document
        ApiException absent = assertThrows(ApiException.class, () -> tasks.getTask(987654321L));
        assertEquals(404, absent.getCode());
        assertTrue(absent.getResponseBody().contains("\"detail\":\"No task with id 987654321\""), absent.getResponseBody());
    }
}
