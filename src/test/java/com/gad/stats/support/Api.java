package com.gad.stats.support;

import static io.restassured.RestAssured.given;

import io.restassured.response.ValidatableResponse;

/** HTTP helpers shared by the tests. */
public final class Api {

    private Api() {
    }

    public static ValidatableResponse getStats(String token, Object userId, String query) {
        return given()
                .auth().oauth2(token)
                .when().get("/api/v1/stats/user/" + userId + (query == null ? "" : "?" + query))
                .then();
    }

    /** Redis key of a user's cached statistics. */
    public static String statsKey(long userId, int days) {
        return "gad:stats:v1:{u" + userId + "}:d" + days;
    }

    /** The value of one sample of /q/metrics, e.g. {@code gad_cache_requests_total{result="hit"}} (0 when absent). */
    public static double metric(String nameAndLabels) {
        String body = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        int brace = nameAndLabels.indexOf('{');
        String name = brace < 0 ? nameAndLabels : nameAndLabels.substring(0, brace);
        String labels = brace < 0 ? "" : nameAndLabels.substring(brace + 1, nameAndLabels.length() - 1);
        for (String line : body.split("\n")) {
            if ((line.startsWith(name + "{") || line.startsWith(name + " ")) && (labels.isEmpty() || line.contains(labels))) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }
}
