package com.gad.stats.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * A real Redis Cluster (3 masters + 3 replicas) or Sentinel set (master, replica, 3 sentinels) of
 * the machine's redis-server, started and stopped by the repository's scripts
 * ({@code deploy/redis/cluster.sh}, {@code deploy/redis/sentinel.sh}) on free loopback ports, so
 * tests run the topology an operator would.
 */
public final class RedisTopology implements AutoCloseable {

    public enum Kind {
        /** Nodes on base..base+5, cluster bus on +10000. */
        CLUSTER("cluster.sh", 6, true),
        /** Master base, replica base+1, sentinels base+2..base+4. */
        SENTINEL("sentinel.sh", 5, false);

        final String script;
        final int ports;
        final boolean busPorts;

        Kind(String script, int ports, boolean busPorts) {
            this.script = script;
            this.ports = ports;
            this.busPorts = busPorts;
        }
    }

    /** The Sentinel master set the script configures. */
    public static final String MASTER_NAME = "gadmaster";

    private final Kind kind;
    private final Path dir;
    private final int base;

    private RedisTopology(Kind kind, Path dir, int base) {
        this.kind = kind;
        this.dir = dir;
        this.base = base;
    }

    /** Starts the topology on free ports (a few attempts: another process may take a port meanwhile). */
    public static RedisTopology start(Kind kind) {
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int base = freeBase(kind);
            Path dir = tempDir(kind);
            try {
                run(script(kind), "start", dir.toString(), Integer.toString(base));
                return new RedisTopology(kind, dir, base);
            } catch (IllegalStateException e) {
                last = e;
                delete(dir);
            }
        }
        throw last;
    }

    /** The {@code quarkus.redis.hosts} value: every cluster node, or the three sentinels. */
    public String hosts() {
        return run(script(kind), "hosts", Integer.toString(base)).trim();
    }

    /** The loopback ports of the data nodes (cluster nodes; or master and replica). */
    public List<Integer> dataPorts() {
        return IntStream.range(base, base + (kind == Kind.CLUSTER ? 6 : 2)).boxed().toList();
    }

    /** The port of the current master (Sentinel: as the sentinels say; Cluster: any node). */
    public int masterPort() {
        if (kind == Kind.CLUSTER) {
            return base;
        }
        String address = run(script(kind), "master", Integer.toString(base)).trim();
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }

    /** The current Cluster masters' ports. */
    public List<Integer> clusterMasterPorts() {
        return run(script(kind), "masters", Integer.toString(base)).lines()
                .map(line -> Integer.parseInt(line.substring(line.lastIndexOf(':') + 1)))
                .toList();
    }

    /** The process id of the Redis node on {@code port} (its pid file). */
    public long pid(int port) {
        try {
            return Long.parseLong(Files.readString(dir.resolve(Integer.toString(port)).resolve("redis.pid")).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends {@code signal} (STOP, CONT, KILL...) to the Redis node on {@code port}. */
    public void signal(int port, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-s", signal, Long.toString(pid(port))).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -s " + signal + " of the node on " + port + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Kills the Redis node on {@code port} with SIGKILL and returns once its process is gone. */
    public void kill(int port) {
        long pid = pid(port);
        signal(port, "KILL");
        ProcessHandle.of(pid).ifPresent(process -> {
            try {
                process.onExit().get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("the node on " + port + " (pid " + pid + ") is still alive after SIGKILL", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            throw new IllegalStateException("the node on " + port + " (pid " + pid + ") is still alive after SIGKILL");
        }
    }

    @Override
    public void close() {
        try {
            run(script(kind), "stop", dir.toString());
        } finally {
            delete(dir);
        }
    }

    private static int freeBase(Kind kind) {
        // below the kernel's ephemeral range (32768+), bus ports included
        for (int attempt = 0; attempt < 200; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(12_000, 22_000);
            boolean free = IntStream.range(base, base + kind.ports)
                    .allMatch(port -> free(port) && (!kind.busPorts || free(port + 10_000)));
            if (free) {
                return base;
            }
        }
        throw new IllegalStateException("no free port range for a Redis " + kind);
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The script in the repository, found from the module directory the tests run in. */
    private static Path script(Kind kind) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path script = dir.resolve("deploy").resolve("redis").resolve(kind.script);
            if (Files.isRegularFile(script)) {
                return script;
            }
        }
        throw new IllegalStateException("deploy/redis/" + kind.script + " not found above " + Path.of("").toAbsolutePath());
    }

    private static String run(Path script, String... args) {
        List<String> command = Stream.concat(Stream.of("bash", script.toString()), Stream.of(args)).toList();
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Path tempDir(Kind kind) {
        try {
            return Files.createTempDirectory("gad-redis-" + kind.name().toLowerCase() + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }
}
