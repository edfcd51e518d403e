package com.gad.stats.security;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import com.gad.stats.support.LocalServicesResource;

/** Read-only SQL probes of the test database. */
final class Db {

    private Db() {
    }

    /** The first column of the first row, as text (null when no row). */
    static String one(String sql) {
        List<String> rows = column(sql);
        return rows.isEmpty() ? null : rows.get(0);
    }

    static List<String> column(String sql) {
        try (Connection c = LocalServicesResource.postgres().connect(); var s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            List<String> values = new ArrayList<>();
            while (rs.next()) {
                values.add(rs.getString(1));
            }
            return values;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
