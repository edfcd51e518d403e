package com.gad.stats.security;

import static io.restassured.RestAssured.given;

import java.util.List;

import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/** Every protected endpoint of the API, as concrete calls on existing rows. */
final class Endpoints {

    record Call(String name, String method, String path, String body) {

        Response send(String authorization) {
            // paths are sent as written (already percent-encoded where needed)
            RequestSpecification request = given().redirects().follow(false).urlEncodingEnabled(false);
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            if (body != null) {
                request.contentType("application/json").body(body);
            }
            return request.request(method, path);
        }

        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    private Endpoints() {
    }

    /** One call per endpoint, aimed at the user's own data and one of their tasks. */
    static List<Call> all(long userId, long taskId) {
        String task = "{\"titulo\":\"x\",\"tipo\":\"patrullaje\",\"delegado_usuario_id\":" + userId + "}";
        return List.of(
                new Call("stats", "GET", "/api/v1/stats/user/" + userId, null),
                new Call("stats-invalidate", "POST", "/api/v1/stats/invalidate/user/" + userId, null),
                new Call("task-create", "POST", "/api/v1/tasks", task),
                new Call("task-list", "GET", "/api/v1/tasks", null),
                new Call("task-get", "GET", "/api/v1/tasks/" + taskId, null),
                new Call("task-put", "PUT", "/api/v1/tasks/" + taskId, task),
                new Call("task-patch", "PATCH", "/api/v1/tasks/" + taskId, "{\"estado\":\"en_curso\"}"),
                new Call("task-delete", "DELETE", "/api/v1/tasks/" + taskId, null),
                new Call("cache-stats", "GET", "/api/v1/cache/stats", null),
                new Call("cache-invalidate", "POST", "/api/v1/cache/invalidate/stats:v1:%7Bu" + userId + "%7D:d30", null),
                new Call("cache-invalidate-pattern", "POST", "/api/v1/cache/invalidate-pattern/stats:v1:%7Bu" + userId + "%7D:*", null),
                new Call("cache-clear", "POST", "/api/v1/cache/clear", null));
    }
}
