package com.gad.stats.ops;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;

/**
 * Keeps {@code /q/metrics} within the Prometheus naming conventions that {@code promtool check metrics}
 * enforces, whatever the library binders register:
 * <ul>
 * <li>tag keys in snake_case (the Vert.x client binders use {@code clientName}/{@code clientType},
 * exported as {@code client_name}/{@code client_type});</li>
 * <li>every meter has HELP text (some binders register none);</li>
 * <li>no abbreviated units: the JVM binder's {@code process_cpu_time_ns_total} is replaced by
 * the conventional {@code process_cpu_seconds_total};</li>
 * <li>no {@code _count} suffix outside histograms and summaries: {@code system_cpu_count} is
 * exported as {@code system_cpus};</li>
 * <li>no long-task timers: their {@code _active_count}/{@code _duration_sum} samples are not valid
 * summary samples in the text format. The open connections they tracked are also counted by
 * {@code http_server_active_connections} and {@code redis_active_connections}.</li>
 * </ul>
 * It also gives the HTTP request timer and the Redis operation timer a small set of histogram
 * buckets (0.5 ms to 2.5 s), so dashboards and alerts can compute percentiles across instances.
 * Quarkus applies every {@link MeterFilter} bean to the registries before any meter is registered.
 */
@Singleton
public class MetricConventions {

    private static final Pattern CAMEL_HUMP = Pattern.compile("([a-z0-9])([A-Z])");

    /** HELP text for meters whose binder gives none. */
    private static final Map<String, String> DESCRIPTIONS = Map.ofEntries(
            Map.entry("http.server.active.requests", "HTTP requests being processed"),
            Map.entry("netty.allocator.memory.used", "Memory used by the Netty buffer allocator"),
            Map.entry("netty.allocator.memory.pinned", "Memory pinned by buffers of the Netty allocator"),
            Map.entry("netty.allocator.pooled.arenas", "Arenas of the pooled Netty allocator"),
            Map.entry("netty.allocator.pooled.cache.size", "Cache size of the pooled Netty allocator"),
            Map.entry("netty.allocator.pooled.chunk.size", "Chunk size of the pooled Netty allocator"),
            Map.entry("netty.allocator.pooled.threadlocal.caches", "Thread-local caches of the pooled Netty allocator"),
            Map.entry("netty.eventexecutor.tasks.pending", "Tasks waiting in a Netty event executor"),
            Map.entry("netty.eventexecutor.workers", "Workers of a Netty event executor group"));

    @Produces
    @Singleton
    MeterFilter conventions() {
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                String name = "system.cpu.count".equals(id.getName()) ? "system.cpus" : id.getName();
                List<Tag> tags = new ArrayList<>();
                boolean renamed = false;
                for (Tag tag : id.getTagsAsIterable()) {
                    String key = snakeCase(tag.getKey());
                    renamed |= !key.equals(tag.getKey());
                    tags.add(Tag.of(key, tag.getValue()));
                }
                String description = id.getDescription();
                if (description == null || description.isBlank()) {
                    description = DESCRIPTIONS.getOrDefault(name, name.replace('.', ' '));
                } else if (name.equals(id.getName()) && !renamed) {
                    return id;
                }
                return new Meter.Id(name, Tags.of(tags), id.getBaseUnit(), description, id.getType());
            }
        };
    }

    /** Bucket bounds of the latency histograms, in seconds. */
    static final double[] LATENCY_BUCKETS = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5 };

    @Produces
    @Singleton
    MeterFilter latencyHistograms() {
        return new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                if (id.getType() != Meter.Type.TIMER
                        || !("http.server.requests".equals(id.getName()) || "gad.cache.operation".equals(id.getName()))) {
                    return config;
                }
                double[] nanos = new double[LATENCY_BUCKETS.length];
                for (int i = 0; i < nanos.length; i++) {
                    nanos[i] = LATENCY_BUCKETS[i] * 1e9; // timers take their bounds in nanoseconds
                }
                return DistributionStatisticConfig.builder().serviceLevelObjectives(nanos).build().merge(config);
            }
        };
    }

    @Produces
    @Singleton
    MeterFilter noLongTaskTimers() {
        return MeterFilter.deny(id -> id.getType() == Meter.Type.LONG_TASK_TIMER);
    }

    /** The JVM binder's CPU-time counter counts nanoseconds; {@link #processCpuSeconds()} replaces it. */
    @Produces
    @Singleton
    MeterFilter noNanosecondCpuTime() {
        return MeterFilter.deny(id -> "process.cpu.time".equals(id.getName()));
    }

    /** {@code process_cpu_seconds_total}: CPU time used by the process, as Prometheus' own clients name it. */
    @Produces
    @Singleton
    MeterBinder processCpuSeconds() {
        return registry -> registerProcessCpu(registry, ManagementFactory.getOperatingSystemMXBean());
    }

    static void registerProcessCpu(MeterRegistry registry, OperatingSystemMXBean os) {
        if (os instanceof com.sun.management.OperatingSystemMXBean bean && bean.getProcessCpuTime() >= 0) {
            FunctionCounter.builder("process.cpu", bean, b -> b.getProcessCpuTime() / 1e9)
                    .baseUnit("seconds")
                    .description("CPU time used by the process")
                    .register(registry);
        }
    }

    static String snakeCase(String key) {
        Matcher m = CAMEL_HUMP.matcher(key);
        return m.find() ? m.replaceAll("$1_$2").toLowerCase() : key;
    }
}
