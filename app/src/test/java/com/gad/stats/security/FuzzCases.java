package com.gad.stats.security;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Generates hostile requests from a seed: each case {@code i} uses its own {@code Random(seed, i)},
 * so any case can be replayed alone ({@code -Dgad.fuzz.seed=… -Dgad.fuzz.case=i}). Write requests
 * always carry at least one poison (a wrong type, a value out of range, an unknown field, a
 * malformed body, a wrong content type, a bad id, …), so every write must be refused and nothing
 * may change; reads may succeed but must never fail with a 5xx.
 */
final class FuzzCases {

    /** What the response must be: WRITE → 4xx and nothing changed; READ → anything but a 5xx. */
    enum Expect { REFUSED, NOT_5XX }

    record Case(int index, String endpoint, String poison, String method, String path, Map<String, String> headers,
            byte[] body, Expect expect) {

        String describe() {
            String text = body == null ? "" : new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8);
            return "#" + index + " [" + endpoint + " / " + poison + "] " + method + " " + abbreviate(path, 300) + " "
                    + headers.getOrDefault("Content-Type", "") + (body == null ? "" : " body(" + body.length + " bytes): " + text);
        }
    }

    /** The rows the cases aim at; ids change from run to run, the shape of the cases does not. */
    record Fixture(long efectivo, String efectivoToken, String supervisorToken, String adminToken, long programada,
            long enCurso, long finalizada, String existingCodigo) {
    }

    static final List<String> TIPOS = List.of("patrullaje", "investigacion", "vigilancia", "intervencion", "administrativa", "entrenamiento");

    /** Values that have broken parsers before: numbers at every edge, encodings, injections, markup. */
    static final List<String> HOSTILE = List.of("", " ", "0", "-0", "-1", "1", "007", "+1", "1e3", "0x10", "1.5", "1,5", "NaN",
            "Infinity", "-Infinity", "2147483647", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808",
            "-9223372036854775808", "99999999999999999999999999", "١٢٣", "１２３", "1 OR 1=1", "1; DROP TABLE tareas", "' OR '1'='1",
            "\" OR \"\"=\"", "${jndi:ldap://127.0.0.1/a}", "#{7*7}", "{{7*7}}", "<script>alert(1)</script>", "../../etc/passwd",
            "..", "%00", "\u0000", "a\u0000b", "\n", "\r\nX-Injected: 1", "\t", "{u1}", "*", "?", "[a]", "\\", "\\*", "gad:*",
            "🚀", "ñandú", "\uD800", "\uDC00x", "\u202Eevil", "e\u0301", "\uFEFF1", "\u200B", "true", "false", "null", "[]", "{}",
            "programada", "PROGRAMADA", "en_curso ", "patrullaje", "stats:v1:{u1}:d30", "FLUSHALL", "*\r\nFLUSHALL\r\n");

    /** Unreserved characters are sent as they are, everything else percent-encoded as UTF-8. */
    static String encode(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
                sb.append(c);
            } else {
                sb.append('%').append(String.format("%02X", (int) c));
            }
        }
        return sb.toString();
    }

    /** Percent sequences that are not valid UTF-8, or decode to separators. */
    static final List<String> RAW_SEGMENTS = List.of("%FF", "%C0%AF", "%E0%80%80", "%ED%A0%80", "%00", "%2F", "%2e%2e", "%2e%2e%2f",
            "%5C", "%25", "%", "%G1", "%u0031", "1%0A", "1%0D%0A");

    static String json(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20 || Character.isSurrogate(c)) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "…(" + s.length() + ")";
    }

    private final long seed;
    private final Fixture f;

    FuzzCases(long seed, Fixture fixture) {
        this.seed = seed;
        this.f = fixture;
    }

    Case generate(int index) {
        Random r = new Random(seed * 1_000_003L + index);
        int roll = r.nextInt(100);
        if (roll < 14) {
            return createTask(index, r);
        } else if (roll < 26) {
            return putTask(index, r);
        } else if (roll < 38) {
            return patchTask(index, r);
        } else if (roll < 42) {
            return deleteTask(index, r);
        } else if (roll < 50) {
            return statsRead(index, r);
        } else if (roll < 57) {
            return taskList(index, r);
        } else if (roll < 61) {
            return taskGet(index, r);
        } else if (roll < 75) {
            return login(index, r);
        } else if (roll < 83) {
            return cacheAdmin(index, r);
        } else if (roll < 87) {
            return statsInvalidate(index, r);
        } else {
            return protocol(index, r);
        }
    }

    // --- generators of values -------------------------------------------------------------------

    static <T> T pick(Random r, List<T> values) {
        return values.get(r.nextInt(values.size()));
    }

    /** Random text over many scripts: ASCII, Latin-1, Greek, Arabic, CJK, emoji (surrogate pairs), combining marks, zero-width. */
    static String unicode(Random r, int length) {
        int[][] ranges = { { 0x20, 0x7e }, { 0xa0, 0xff }, { 0x370, 0x3ff }, { 0x600, 0x6ff }, { 0x4e00, 0x4fff }, { 0x1f600, 0x1f64f },
                { 0x300, 0x36f }, { 0x200b, 0x200f } };
        StringBuilder sb = new StringBuilder();
        while (sb.length() < length) {
            int[] range = ranges[r.nextInt(ranges.length)];
            sb.appendCodePoint(range[0] + r.nextInt(range[1] - range[0] + 1));
        }
        return sb.toString();
    }

    /** A hostile string: from the list, random unicode, or long runs. */
    static String hostile(Random r) {
        return switch (r.nextInt(6)) {
            case 0, 1, 2 -> pick(r, HOSTILE);
            case 3 -> unicode(r, 1 + r.nextInt(40));
            case 4 -> "9".repeat(1 + r.nextInt(60));
            default -> pick(r, List.of("a", "9", "🚀", "%")).repeat(100 + r.nextInt(900));
        };
    }

    /** A path segment: hostile and encoded, or raw percent sequences. */
    static String segment(Random r) {
        return r.nextInt(5) == 0 ? pick(r, RAW_SEGMENTS) + (r.nextBoolean() ? "" : encode(hostile(r))) : encode(hostile(r));
    }

    /** A JSON value of a random type, or an edge number written as JSON text. */
    static String anyJson(Random r) {
        return switch (r.nextInt(12)) {
            case 0 -> "null";
            case 1 -> r.nextBoolean() ? "true" : "false";
            case 2 -> pick(r, List.of("0", "-1", "1.5", "1e400", "-1e400", "9223372036854775808", "1E2", "-0", "0.0000001",
                    "123456789012345678901234567890"));
            case 3 -> "[" + anyJsonShallow(r) + "," + anyJsonShallow(r) + "]";
            case 4 -> "{\"a\":" + anyJsonShallow(r) + "}";
            case 5 -> "[]";
            case 6 -> "{}";
            default -> json(hostile(r));
        };
    }

    private static String anyJsonShallow(Random r) {
        return pick(r, List.of("null", "1", "\"x\"", "true", "[]", "{}", "-5"));
    }

    static String deep(int depth, boolean arrays) {
        return (arrays ? "[" : "{\"a\":").repeat(depth) + "1" + (arrays ? "]" : "}").repeat(depth);
    }

    // --- task bodies ----------------------------------------------------------------------------

    /** Fields of a valid body, as raw JSON values. */
    Map<String, String> validTask(Random r) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("titulo", json("Fuzz " + unicode(r, 1 + r.nextInt(20)).strip()));
        body.put("tipo", json(pick(r, TIPOS)));
        body.put("delegado_usuario_id", Long.toString(f.efectivo()));
        if (r.nextBoolean()) {
            body.put("prioridad", Integer.toString(1 + r.nextInt(5)));
        }
        if (r.nextBoolean()) {
            body.put("descripcion", r.nextBoolean() ? "null" : json(unicode(r, r.nextInt(300))));
        }
        if (r.nextBoolean()) {
            body.put("inicio_programado", json("2025-10-12T08:00:00Z"));
            body.put("fin_programado", json("2025-10-12T10:30:00+02:00"));
        }
        return body;
    }

    static String render(Map<String, String> fields) {
        StringBuilder sb = new StringBuilder("{");
        fields.forEach((k, v) -> sb.append(sb.length() > 1 ? "," : "").append(json(k)).append(':').append(v));
        return sb.append('}').toString();
    }

    /** A poisoned body: the valid fields plus at least one thing that must make the request fail. */
    record Poisoned(String poison, String contentType, byte[] body) {
    }

    Poisoned poison(Random r, Map<String, String> fields, boolean create, boolean onEnCurso) {
        String contentType = "application/json";
        String kind;
        String body = null;
        int roll = r.nextInt(onEnCurso ? 17 : 16);
        switch (roll) {
            case 0 -> {
                kind = "unknown field";
                fields.put(pick(r, List.of("id", "created_at", "updated_at", "deleted_at", "creado_por_usuario_id", "inicio_real",
                        "fin_real", "__proto__", "constructor", "Titulo", "titulo ", "", "ñ", "🚀", "a".repeat(300), "x" + r.nextInt(1000),
                        "estado\u0000")), anyJson(r));
            }
            case 1 -> {
                kind = "wrong type: text field";
                fields.put(pick(r, List.of("titulo", "tipo", "estado", "codigo")), pick(r, List.of("null", "1", "-1", "1.5", "true", "[]",
                        "{}", "[\"patrullaje\"]", "{\"a\":\"b\"}", "1e400")));
            }
            case 2 -> {
                kind = "wrong type: nullable field";
                fields.put(pick(r, List.of("descripcion", "inicio_programado", "fin_programado")),
                        pick(r, List.of("1", "true", "[]", "{}", "[\"2025-10-12T08:00:00Z\"]", "-1e400")));
            }
            case 3 -> {
                kind = "wrong type or range: prioridad";
                fields.put("prioridad", pick(r, List.of("0", "6", "-1", "2147483648", "9223372036854775808", "1e400", "-1e400", "3.0",
                        "1E2", "\"3\"", "null", "true", "[3]", "{}", "3.5", "-0.0", "99999999999999999999999999")));
            }
            case 4 -> {
                kind = "wrong type or range: delegado_usuario_id";
                fields.put("delegado_usuario_id", pick(r, List.of("0", "-5", "9223372036854775808", "99999999999999999999999",
                        "1.0", "\"" + f.efectivo() + "\"", "null", "true", "[" + f.efectivo() + "]", "9000000000000", "1e400", "-9223372036854775808")));
            }
            case 5 -> {
                kind = "not an enum value";
                if (r.nextBoolean()) {
                    fields.put("tipo", json(pick(r, List.of("PATRULLAJE", "patrullaje ", "", "otro", "patrullaje\u0000", "патруль", hostile(r) + "x"))));
                } else {
                    fields.put("estado", json(pick(r, List.of("EN_CURSO", "done", "", "programada\u0000", " programada", "borrada", hostile(r) + "x"))));
                }
            }
            case 6 -> {
                kind = "bad titulo";
                fields.put("titulo", json(pick(r, List.of("", "   ", "x".repeat(201), "ñ".repeat(201), "🚀".repeat(101), "a\u0000b",
                        "\u0000", "tab\there", "bell\u0007", "esc\u001b[31m", "line\nbreak", "lone \uD800 surrogate", "\uDC00",
                        "x".repeat(10_000 + r.nextInt(20_000))))));
            }
            case 7 -> {
                kind = "bad descripcion";
                fields.put("descripcion", json(pick(r, List.of("x".repeat(10_001), "a\u0000b", "\u0000", "lone \uD800", "\uDFFF end",
                        "nul at end\u0000", "esc\u001b[2J"))));
            }
            case 8 -> {
                kind = "bad codigo";
                fields.put("codigo", json(pick(r, List.of("", "x".repeat(51), "a b", "ñandú", "../x", "a\u0000", "a/b", "a;b", "*",
                        "{u1}", "a\nb", "🚀"))));
            }
            case 9 -> {
                kind = "bad timestamp";
                fields.put(r.nextBoolean() ? "inicio_programado" : "fin_programado", json(pick(r, List.of("", "not a date",
                        "2025-13-01T00:00:00Z", "2025-02-30T00:00:00Z", "2025-10-12T08:00:00", "2025-10-12", "08:00", "1760256000",
                        "+999999999-12-31T23:59:59Z", "-999999999-01-01T00:00:00Z", "+10000-01-01T00:00:00Z", "0000-01-01T00:00:00Z",
                        "-0001-06-01T00:00:00Z", "1899-12-31T23:59:59Z", "9999-12-31T23:59:59-18:00", "2025-10-12T08:00:00+25:00",
                        "2025-10-12T08:00:00.000000000000000000000Z", "2025-10-12T08:00:00Z\u0000", "２０２５-10-12T08:00:00Z"))));
            }
            case 10 -> {
                kind = "fin before inicio";
                fields.put("inicio_programado", json("2025-10-12T10:00:00Z"));
                fields.put("fin_programado", json("2025-10-12T09:59:59.999Z"));
            }
            case 11 -> {
                kind = "not an object";
                body = pick(r, List.of("[]", "[{}]", "\"str\"", "1", "null", "true", "", "   ", "[" + render(fields) + "]"));
            }
            case 12 -> {
                kind = "malformed JSON";
                String valid = render(fields);
                body = pick(r, List.of(valid.substring(0, valid.length() - 1), valid.substring(0, 1 + r.nextInt(valid.length() - 1)),
                        "{titulo:'x'}", "{'titulo':'x'}", valid.replace("}", ",}"), "{/* c */" + valid.substring(1), "{\"prioridad\":NaN}",
                        "{\"prioridad\":01}", "{\"titulo\":\"x\" \"tipo\":\"y\"}", "\u0000", "{\"titulo\":\"\\uZZZZ\"}", "{\"a\":\"\\x41\"}",
                        "{\"titulo\":\"unterminated"));
            }
            case 13 -> {
                kind = "deep JSON";
                int depth = pick(r, List.of(64, 999, 1001, 5000, 20_000));
                fields.put(r.nextBoolean() ? "titulo" : "nested", deep(depth, r.nextBoolean()));
            }
            case 14 -> {
                kind = "wrong content type";
                contentType = pick(r, List.of("text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                        "application/octet-stream", "text/json", "application/merge-patch+json", "application/json-patch+json", "*/*", "", "json"));
            }
            case 15 -> {
                kind = create ? "duplicate codigo" : "missing or empty change";
                if (create) {
                    fields.put("codigo", json(f.existingCodigo()));
                } else {
                    body = "{}";
                }
            }
            default -> {
                kind = "illegal transition";
                fields.put("estado", json("programada"));
            }
        }
        byte[] bytes = (body != null ? body : render(fields)).getBytes(StandardCharsets.UTF_8);
        if (r.nextInt(12) == 0) {
            kind += " + invalid UTF-8";
            byte[] withBad = new byte[bytes.length + 3];
            System.arraycopy(bytes, 0, withBad, 0, Math.max(0, bytes.length - 1));
            withBad[Math.max(0, bytes.length - 1)] = (byte) 0xC3;
            withBad[Math.max(0, bytes.length - 1) + 1] = (byte) 0x28;
            withBad[Math.max(0, bytes.length - 1) + 2] = (byte) 0xFF;
            if (bytes.length > 0) {
                withBad[withBad.length - 1] = bytes[bytes.length - 1];
            }
            bytes = withBad;
        }
        if (r.nextInt(40) == 0) {
            kind += " + 1 MB";
            StringBuilder big = new StringBuilder(1_100_000);
            big.append("{\"descripcion\":\"");
            big.append("x".repeat(1_048_576));
            big.append("\",");
            big.append(new String(bytes, StandardCharsets.UTF_8).substring(1));
            bytes = big.toString().getBytes(StandardCharsets.UTF_8);
        }
        return new Poisoned(kind, contentType, bytes);
    }

    private Case write(int index, String endpoint, String method, String path, String token, Poisoned p) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", "Bearer " + token);
        if (!p.contentType().isEmpty()) {
            headers.put("Content-Type", p.contentType());
        }
        return new Case(index, endpoint, p.poison(), method, path, headers, p.body(), Expect.REFUSED);
    }

    private String taskPath(Random r, long valid) {
        return "/api/v1/tasks/" + valid;
    }

    Case createTask(int index, Random r) {
        Map<String, String> fields = validTask(r);
        if (r.nextInt(8) == 0) {
            // valid body, but an efectivo may not create
            Poisoned p = new Poisoned("efectivo creates", "application/json", render(fields).getBytes(StandardCharsets.UTF_8));
            return write(index, "POST /tasks", "POST", "/api/v1/tasks", f.efectivoToken(), p);
        }
        return write(index, "POST /tasks", "POST", "/api/v1/tasks" + (r.nextInt(10) == 0 ? "?" + encode(hostile(r)) + "=1" : ""),
                f.supervisorToken(), poison(r, fields, true, false));
    }

    Case putTask(int index, Random r) {
        Map<String, String> fields = validTask(r);
        int target = r.nextInt(10);
        if (target == 0) {
            // a valid body on an id that is not a live task
            Poisoned p = new Poisoned("bad id", "application/json", render(fields).getBytes(StandardCharsets.UTF_8));
            return write(index, "PUT /tasks/{id}", "PUT", "/api/v1/tasks/" + badId(r), f.supervisorToken(), p);
        }
        boolean enCurso = r.nextBoolean();
        long id = enCurso ? f.enCurso() : f.programada();
        if (target == 1) {
            Poisoned p = new Poisoned("efectivo replaces", "application/json", render(fields).getBytes(StandardCharsets.UTF_8));
            return write(index, "PUT /tasks/{id}", "PUT", taskPath(r, id), f.efectivoToken(), p);
        }
        if (enCurso && r.nextInt(3) == 0) {
            fields.put("estado", json("en_curso"));
        }
        Poisoned p = poison(r, fields, false, false);
        return write(index, "PUT /tasks/{id}", "PUT", taskPath(r, id), f.supervisorToken(), p);
    }

    Case patchTask(int index, Random r) {
        boolean efectivo = r.nextInt(3) == 0;
        Map<String, String> fields = new LinkedHashMap<>();
        if (r.nextInt(10) == 0) {
            Poisoned p = new Poisoned("bad id", "application/json", "{\"prioridad\":2}".getBytes(StandardCharsets.UTF_8));
            return write(index, "PATCH /tasks/{id}", "PATCH", "/api/v1/tasks/" + badId(r), f.supervisorToken(), p);
        }
        long id;
        boolean illegal = false;
        if (efectivo) {
            fields.put("estado", json("en_curso"));
            id = f.programada();
        } else if (r.nextInt(4) == 0) {
            // finalizada can become nothing else
            id = f.finalizada();
            illegal = true;
        } else {
            id = r.nextBoolean() ? f.programada() : f.enCurso();
            if (r.nextBoolean()) {
                fields.put("prioridad", Integer.toString(1 + r.nextInt(5)));
            }
            if (r.nextBoolean()) {
                fields.put("titulo", json("Fuzz " + unicode(r, 5)));
            }
        }
        Poisoned p;
        if (illegal) {
            fields.put("estado", json(pick(r, List.of("programada", "en_curso", "pausada", "cancelada"))));
            p = new Poisoned("illegal transition", "application/json", render(fields).getBytes(StandardCharsets.UTF_8));
        } else if (efectivo && r.nextInt(3) == 0) {
            fields.put(pick(r, List.of("titulo", "prioridad", "delegado_usuario_id")), pick(r, List.of("\"x\"", "2", Long.toString(f.efectivo()))));
            p = new Poisoned("efectivo changes more than estado", "application/json", render(fields).getBytes(StandardCharsets.UTF_8));
        } else {
            p = poison(r, fields, false, false);
        }
        return write(index, "PATCH /tasks/{id}", "PATCH", taskPath(r, id), efectivo ? f.efectivoToken() : f.supervisorToken(), p);
    }

    Case deleteTask(int index, Random r) {
        if (r.nextInt(3) == 0) {
            Poisoned p = new Poisoned("efectivo deletes", "", null);
            return write(index, "DELETE /tasks/{id}", "DELETE", "/api/v1/tasks/" + f.programada(), f.efectivoToken(), p);
        }
        Poisoned p = new Poisoned("bad id", "", r.nextInt(5) == 0 ? "{}".getBytes(StandardCharsets.UTF_8) : null);
        return write(index, "DELETE /tasks/{id}", "DELETE", "/api/v1/tasks/" + badId(r), f.supervisorToken(), p);
    }

    /** An id that is not a live task: malformed, out of range, or well-formed but absent. */
    String badId(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> Long.toString(9_000_000_000L + r.nextInt(1_000_000));
            case 1 -> encode(pick(r, List.of("0", "-1", "9223372036854775808", "1.0", "1e3", "0x1", "+1", " 1", "١")));
            default -> {
                String s = segment(r);
                // a bare number would name a task that may exist
                yield s.matches("[0-9]+") ? s + "x" : s.isEmpty() ? "%20" : s;
            }
        };
    }

    // --- reads ----------------------------------------------------------------------------------

    private Case read(int index, String endpoint, String poison, String method, String path, String token) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (token != null) {
            headers.put("Authorization", "Bearer " + token);
        }
        return new Case(index, endpoint, poison, method, path, headers, null, Expect.NOT_5XX);
    }

    /** A query string of some known parameters with hostile or valid values, sometimes repeated or unknown. */
    String query(Random r, Map<String, List<String>> known) {
        List<String> parts = new ArrayList<>();
        for (var e : known.entrySet()) {
            int n = r.nextInt(4) == 0 ? 0 : r.nextInt(6) == 0 ? 2 : 1;
            for (int i = 0; i < n; i++) {
                parts.add(e.getKey() + "=" + (r.nextBoolean() ? encode(pick(r, e.getValue())) : segment(r)));
            }
        }
        if (r.nextInt(5) == 0) {
            parts.add(encode(hostile(r)) + "=" + encode(hostile(r)));
        }
        if (r.nextInt(10) == 0) {
            parts.add(pick(r, List.of("days", "limit", "=", "&&", "%", "days=%", "limit=%FF")));
        }
        java.util.Collections.shuffle(parts, r);
        return parts.isEmpty() ? "" : "?" + String.join("&", parts);
    }

    Case statsRead(int index, Random r) {
        String id = r.nextBoolean() ? Long.toString(f.efectivo()) : segment(r);
        String q = query(r, Map.of("days", List.of("1", "30", "365", "0", "366", "-1", "7"), "use_cache", List.of("true", "false", "TRUE", "yes", "1")));
        return read(index, "GET /stats/user/{id}", "params", "GET", "/api/v1/stats/user/" + id + q, r.nextBoolean() ? f.efectivoToken() : f.supervisorToken());
    }

    Case taskList(int index, Random r) {
        String q = query(r, Map.of("limit", List.of("1", "100", "0", "101", "-1"), "offset", List.of("0", "10", "1000000", "1000001", "-1"),
                "estado", List.of("programada", "en_curso", "EN_CURSO", "finalizada", ""),
                "delegado_usuario_id", List.of(Long.toString(f.efectivo()), "0", "-1", "1")));
        return read(index, "GET /tasks", "params", "GET", "/api/v1/tasks" + q, r.nextBoolean() ? f.efectivoToken() : f.supervisorToken());
    }

    Case taskGet(int index, Random r) {
        String id = r.nextInt(4) == 0 ? Long.toString(f.programada()) : segment(r);
        return read(index, "GET /tasks/{id}", "id", "GET", "/api/v1/tasks/" + id + (r.nextInt(5) == 0 ? query(r, Map.of()) : ""),
                r.nextBoolean() ? f.efectivoToken() : f.supervisorToken());
    }

    Case statsInvalidate(int index, Random r) {
        String id = r.nextInt(4) == 0 ? Long.toString(f.efectivo()) : segment(r);
        return read(index, "POST /stats/invalidate/user/{id}", "id", "POST", "/api/v1/stats/invalidate/user/" + id,
                r.nextBoolean() ? f.efectivoToken() : f.adminToken());
    }

    Case cacheAdmin(int index, Random r) {
        String what = pick(r, List.of("invalidate", "invalidate-pattern", "invalidate-pattern", "stats"));
        if (what.equals("stats")) {
            return read(index, "GET /cache/stats", "query", "GET", "/api/v1/cache/stats" + query(r, Map.of()), f.adminToken());
        }
        String arg = switch (r.nextInt(4)) {
            case 0 -> encode(pick(r, List.of("*", "**", "?", "stats:*", "stats:v1:{u1}:*", "../*", "..:*", "\\*", "[a-z]*", "*\r\n*",
                    "gad:*", ":*", "{*}", "*" + "?".repeat(50), "*".repeat(256), "*".repeat(257))));
            default -> segment(r);
        };
        return read(index, "POST /cache/" + what + "/{arg}", "argument", "POST", "/api/v1/cache/" + what + "/" + arg, f.adminToken());
    }

    // --- login ----------------------------------------------------------------------------------

    Case login(int index, Random r) {
        Map<String, String> headers = new LinkedHashMap<>();
        String kind;
        byte[] body;
        int roll = r.nextInt(9);
        String email = "fuzz-" + r.nextInt(1_000_000) + "@gad.test";
        if (roll == 0) {
            kind = "form";
            headers.put("Content-Type", "application/x-www-form-urlencoded");
            String form = pick(r, List.of("username=" + encode(r.nextBoolean() ? email : hostile(r)) + "&password=" + encode(hostile(r)),
                    "password=x", "username=" + encode(email), "", "username=&password=", "username=a%00b&password=x",
                    "username=" + "a".repeat(300) + "&password=x", "username=" + encode(email) + "&password=" + "p".repeat(1025),
                    "username=%FF%FE&password=%C0", "username=" + encode(email) + "&username=b&password=x&password=y&grant_type=" + encode(hostile(r))));
            body = form.getBytes(StandardCharsets.UTF_8);
        } else if (roll == 1) {
            kind = "wrong content type";
            headers.put("Content-Type", pick(r, List.of("text/plain", "application/xml", "multipart/form-data; boundary=x", "application/octet-stream", "")));
            if (headers.get("Content-Type").isEmpty()) {
                headers.remove("Content-Type");
            }
            body = ("{\"email\":\"" + email + "\",\"password\":\"x\"}").getBytes(StandardCharsets.UTF_8);
        } else if (roll == 2) {
            kind = "malformed or deep JSON";
            headers.put("Content-Type", "application/json");
            body = pick(r, List.of("", "{", "[]", "null", "\"x\"", "{\"email\":", "{\"email\":\"a@b\",\"password\":\"x\"",
                    "{\"email\":" + deep(2000, true) + ",\"password\":\"x\"}", "{\"email\":\"a@b\",\"password\":" + deep(999, false) + "}",
                    "{'email':'a'}", "{\"email\":\"a\\u0000b@x\",\"password\":\"x\"}")).getBytes(StandardCharsets.UTF_8);
        } else if (roll == 3 && r.nextInt(4) == 0) {
            kind = "1 MB";
            headers.put("Content-Type", r.nextBoolean() ? "application/json" : "application/x-www-form-urlencoded");
            body = ("{\"email\":\"" + email + "\",\"password\":\"" + "x".repeat(1_048_576) + "\"}").getBytes(StandardCharsets.UTF_8);
        } else {
            kind = "fields";
            headers.put("Content-Type", "application/json");
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("email", r.nextInt(3) == 0 ? anyJson(r) : json(r.nextBoolean() ? email : hostile(r)));
            fields.put("password", r.nextInt(3) == 0 ? anyJson(r) : json(r.nextInt(4) == 0 ? "p".repeat(1024 + r.nextInt(3)) : hostile(r)));
            if (r.nextInt(4) == 0) {
                fields.remove(r.nextBoolean() ? "email" : "password");
            }
            if (r.nextInt(5) == 0) {
                fields.put(pick(r, List.of("grant_type", "admin", "groups", "nivel", "__proto__")), anyJson(r));
            }
            body = render(fields).getBytes(StandardCharsets.UTF_8);
        }
        return new Case(index, "POST /auth/login", kind, "POST", "/api/v1/auth/login", headers, body, Expect.REFUSED);
    }

    // --- HTTP oddities --------------------------------------------------------------------------

    Case protocol(int index, Random r) {
        String[][] wrongMethods = {
                { "PUT", "/api/v1/stats/user/" + f.efectivo() }, { "DELETE", "/api/v1/stats/user/" + f.efectivo() },
                { "GET", "/api/v1/stats/invalidate/user/" + f.efectivo() }, { "DELETE", "/api/v1/tasks" }, { "PUT", "/api/v1/tasks" },
                { "POST", "/api/v1/tasks/" + f.programada() }, { "GET", "/api/v1/cache/clear" }, { "DELETE", "/api/v1/cache/stats" },
                { "GET", "/api/v1/auth/login" }, { "PATCH", "/api/v1/auth/login" }, { "TRACE", "/api/v1/tasks" },
                { "OPTIONS", "/api/v1/tasks/" + f.programada() }, { "HEAD", "/api/v1/stats/user/" + f.efectivo() },
                { "GET", "/api/v1/nope" }, { "GET", "/api/v2/tasks" }, { "GET", "/api/v1/tasks/" + f.programada() + "/extra" },
                { "GET", "/api/v1/stats/user/" }, { "GET", "/api/v1/stats/user" }, { "GET", "/api/v1//tasks" },
                { "GET", "/api/v1/tasks/%2e%2e/%2e%2e/q/health" }, { "GET", "/api/v1/stats/user/1/../" + f.efectivo() },
                { "POST", "/api/v1/cache/invalidate/" }, { "POST", "/api/v1/cache/invalidate-pattern/" } };
        String[] pair = wrongMethods[r.nextInt(wrongMethods.length)];
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", "Bearer " + (r.nextBoolean() ? f.efectivoToken() : f.supervisorToken()));
        if (r.nextBoolean()) {
            headers.put("Accept", pick(r, List.of("application/xml", "text/html", "*/*", "application/json", "image/png", "")));
            if (headers.get("Accept").isEmpty()) {
                headers.remove("Accept");
            }
        }
        byte[] body = null;
        if (r.nextBoolean() && !pair[0].equals("HEAD")) {
            headers.put("Content-Type", "application/json");
            body = "{\"estado\":\"cancelada\"}".getBytes(StandardCharsets.UTF_8);
        }
        // the supervisor with a JSON body on a wrong method must still change nothing
        return new Case(index, "HTTP " + pair[0], "wrong method or path", pair[0], pair[1], headers, body, Expect.NOT_5XX);
    }
}
