package com.gad.stats.localservices;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A PostgreSQL database for dev mode and tests, on a machine where none is configured: a database
 * of its own on the PostgreSQL already listening on 127.0.0.1:5432 (or PGHOST/PGPORT/PGUSER) when
 * one answers, else an embedded PostgreSQL (zonky's binaries) in a temporary directory.
 * PostgreSQL refuses to run as root, so as root the embedded server runs as an unprivileged user
 * ({@link UnprivilegedPostgres}).
 */
public final class LocalPostgres implements AutoCloseable {

    private final String host;
    private final int port;
    private final String user;
    private final String database;
    private final boolean dropOnClose;
    private final Closeable embedded;

    private LocalPostgres(String host, int port, String user, String database, boolean dropOnClose,
            Closeable embedded) {
        this.host = host;
        this.port = port;
        this.user = user;
        this.database = database;
        this.dropOnClose = dropOnClose;
        this.embedded = embedded;
    }

    /**
     * @param database    database to use (created when missing)
     * @param dropOnClose true for a throw-away database (tests); it is dropped by {@link #close()}
     */
    public static LocalPostgres start(String database, boolean dropOnClose) {
        String host = env("PGHOST", "127.0.0.1");
        int port = Integer.parseInt(env("PGPORT", "5432"));
        String user = env("PGUSER", "postgres");
        LocalPostgres pg;
        if (answers(host, port)) {
            pg = new LocalPostgres(host, port, user, database, dropOnClose, null);
        } else if (UnprivilegedPostgres.needed()) {
            UnprivilegedPostgres embedded = UnprivilegedPostgres.start();
            pg = new LocalPostgres("127.0.0.1", embedded.port(), "postgres", database, false, embedded);
        } else {
            EmbeddedPostgres embedded = startEmbedded();
            pg = new LocalPostgres("127.0.0.1", embedded.getPort(), "postgres", database, false, embedded);
        }
        pg.createDatabase();
        return pg;
    }

    private static EmbeddedPostgres startEmbedded() {
        try {
            return EmbeddedPostgres.builder().start();
        } catch (IOException e) {
            throw new IllegalStateException("embedded PostgreSQL did not start", e);
        }
    }

    public String reactiveUrl() {
        return "postgresql://" + host + ":" + port + "/" + database;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    public String user() {
        return user;
    }

    public String database() {
        return database;
    }

    public int port() {
        return port;
    }

    public String host() {
        return host;
    }

    /** A JDBC connection to the database (tests seed data with it). */
    public Connection connect() throws SQLException {
        return connect(database);
    }

    @Override
    public void close() {
        try {
            if (dropOnClose) {
                try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
                    s.execute("DROP DATABASE IF EXISTS \"" + database + "\" WITH (FORCE)");
                }
            }
            if (embedded != null) {
                embedded.close();
            }
        } catch (SQLException | IOException e) {
            System.err.println("could not clean up database " + database + ": " + e.getMessage());
        }
    }

    private void createDatabase() {
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            var rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + database + "'");
            if (!rs.next()) {
                s.execute("CREATE DATABASE \"" + database + "\"");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not create database " + database + " on " + host + ":" + port, e);
        }
    }

    private Connection connect(String db) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        String password = System.getenv("PGPASSWORD");
        if (password != null) {
            props.setProperty("password", password);
        }
        return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/" + db, props);
    }

    static boolean answers(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
