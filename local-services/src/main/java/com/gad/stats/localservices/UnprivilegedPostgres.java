package com.gad.stats.localservices;

import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.tukaani.xz.XZInputStream;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;

/**
 * The embedded PostgreSQL when the JVM runs as root (CI machines, containers): initdb and postgres
 * refuse root, and zonky's EmbeddedPostgres cannot start them as anyone else, so this runs the
 * same binaries (zonky's archive, unpacked once into the temporary directory) as user
 * {@value #USER} through {@code runuser}. Linux only, like running as root with no PostgreSQL is.
 */
final class UnprivilegedPostgres implements Closeable {

    private static final String USER = "nobody";
    private static final long STEP_TIMEOUT_SECONDS = 60;

    private final Path bin;
    private final Path dir;
    private final int port;

    private UnprivilegedPostgres(Path bin, Path dir, int port) {
        this.bin = bin;
        this.dir = dir;
        this.port = port;
    }

    static boolean needed() {
        return "root".equals(System.getProperty("user.name"));
    }

    static UnprivilegedPostgres start() {
        try {
            Path bin = unpackedBinaries().resolve("bin");
            // The server's own directory: its data, its socket and its log, all owned by USER.
            Path dir = Files.createTempDirectory("gad-stats-pg");
            Path data = Files.createDirectory(dir.resolve("data"));
            giveTo(dir);
            giveTo(data);
            int port = LocalRedis.freePort();
            UnprivilegedPostgres pg = new UnprivilegedPostgres(bin, dir, port);
            pg.run("initdb", "-A", "trust", "-U", "postgres", "-E", "UTF-8", "--no-locale", "-D", data.toString());
            pg.run("pg_ctl", "-D", data.toString(), "-l", dir.resolve("postgres.log").toString(), "-w", "-t", "30",
                    "-o", "-p " + port + " -F -c listen_addresses=127.0.0.1 -k " + dir, "start");
            return pg;
        } catch (IOException e) {
            throw new UncheckedIOException("embedded PostgreSQL (run as user " + USER + ") did not start", e);
        }
    }

    int port() {
        return port;
    }

    @Override
    public void close() throws IOException {
        try {
            run("pg_ctl", "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "stop");
        } finally {
            deleteTree(dir);
        }
    }

    private void run(String program, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("runuser", "-u", USER, "--", bin.resolve(program).toString()));
        command.addAll(List.of(args));
        Path output = Files.createTempFile("gad-stats-pg-" + program, ".out");
        try {
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            if (!process.waitFor(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(program + " did not finish within " + STEP_TIMEOUT_SECONDS + " s");
            }
            if (process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed (" + process.exitValue() + "):\n"
                        + Files.readString(output));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(program + " interrupted", e);
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** zonky's PostgreSQL archive for this machine, unpacked once per archive content. */
    private static Path unpackedBinaries() throws IOException {
        byte[] archive;
        try (InputStream in = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary("Linux", System.getProperty("os.arch"))) {
            archive = in.readAllBytes();
        }
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        Path target = tmp.resolve("gad-stats-postgres-" + sha256(archive).substring(0, 16));
        if (Files.isDirectory(target)) {
            return target;
        }
        Path staging = Files.createTempDirectory(tmp, "gad-stats-postgres-unpack");
        Files.setPosixFilePermissions(staging, permissions(0755));
        unpack(archive, staging);
        try {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
            // Another process unpacked the same archive meanwhile: use its copy.
            deleteTree(staging);
        }
        return target;
    }

    private static void unpack(byte[] archive, Path into) throws IOException {
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new XZInputStream(new ByteArrayInputStream(archive)))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path path = into.resolve(entry.getName()).normalize();
                if (!path.startsWith(into)) {
                    throw new IOException("archive entry outside the target: " + entry.getName());
                }
                Files.createDirectories(entry.isDirectory() ? path : path.getParent());
                if (entry.isSymbolicLink()) {
                    Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
                } else if (entry.isLink()) {
                    Files.createLink(path, into.resolve(entry.getLinkName()));
                } else if (entry.isFile()) {
                    Files.copy(tar, path);
                    Files.setPosixFilePermissions(path, permissions(entry.getMode() | 0444));
                }
            }
        }
        try (Stream<Path> tree = Files.walk(into)) {
            for (Path path : (Iterable<Path>) tree::iterator) {
                if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                    Files.setPosixFilePermissions(path, permissions(0755));
                }
            }
        }
    }

    private static void giveTo(Path path) throws IOException {
        UserPrincipalLookupService users = path.getFileSystem().getUserPrincipalLookupService();
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
        view.setOwner(users.lookupPrincipalByName(USER));
        Files.setPosixFilePermissions(path, permissions(0700));
    }

    /** A Unix mode (e.g. 0755) as permissions; {@link PosixFilePermission} lists them from 0400 down to 0001. */
    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = PosixFilePermission.values();
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (0400 >> i)) != 0) {
                set.add(bits[i]);
            }
        }
        return set;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> tree = Files.walk(root)) {
            for (Path path : (Iterable<Path>) tree.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(path);
            }
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
