package io.proxyless.mesh.benchmarks.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Reads the JFR CPU samples of a run's client JVM and says how much of the client's Java time the routing layer
 * takes and where. A sample belongs to the routing layer (the mesh's adapters and engine, or grpc-xds) when,
 * walking from the top of the stack down, a routing-layer frame comes before a transport frame — so the HTTP or
 * gRPC work the routing layer starts below itself (the interceptor chain's {@code proceed}, a gRPC call to an
 * endpoint) is not counted, while library code it calls for itself (copying a request, parsing a URL) is.
 */
final class Profiles {
    /** Share of samples and the hottest routing-layer spots of one run (all its rounds). */
    record Profile(int samples, int routing, int transport, int harness, Map<String, Integer> hot) {
        double routingShare() {
            return samples == 0 ? Double.NaN : (double) routing / samples;
        }
    }

    private Profiles() {
    }

    /**
     * Where a run's samples are: recording files, and either the time windows of the run's slices (side-by-side
     * driver) or null (a JMH fork's recording, from its {@code .start} instant on).
     */
    record Source(List<Path> files, List<long[]> windows) {
        static Source jmh(Path jfrDir, String runKey) {
            if (!Files.isDirectory(jfrDir)) {
                return new Source(List.of(), null);
            }
            try (Stream<Path> s = Files.list(jfrDir)) {
                return new Source(s.filter(p -> p.getFileName().toString().startsWith(runKey + "__r")
                        && p.toString().endsWith(".jfr")).sorted().toList(), null);
            } catch (IOException e) {
                return new Source(List.of(), null);
            }
        }

        /** Calls {@code each} for every execution sample of the run. */
        void forEachSample(java.util.function.Consumer<RecordedEvent> each) {
            for (Path f : files) {
                if (!Files.exists(f)) {
                    continue;
                }
                long from = 0;
                if (windows == null) {
                    Path start = f.resolveSibling(f.getFileName().toString().replace(".jfr", ".start"));
                    try {
                        from = Files.exists(start) ? Long.parseLong(Files.readString(start).trim()) : 0;
                    } catch (IOException | NumberFormatException e) {
                        from = 0;
                    }
                }
                try (RecordingFile rf = new RecordingFile(f)) {
                    while (rf.hasMoreEvents()) {
                        RecordedEvent e = rf.readEvent();
                        if (!e.getEventType().getName().equals("jdk.ExecutionSample")) {
                            continue;
                        }
                        long t = e.getStartTime().toEpochMilli();
                        if (windows == null ? t < from : !inside(t)) {
                            continue;
                        }
                        each.accept(e);
                    }
                } catch (IOException e) {
                    // a truncated recording: use what was read
                }
            }
        }

        private boolean inside(long t) {
            for (long[] w : windows) {
                if (t >= w[0] && t <= w[1]) {
                    return true;
                }
            }
            return false;
        }
    }

    static Profile read(Source source) {
        int[] counts = new int[4]; // samples, routing, transport, harness
        Map<String, Integer> hot = new HashMap<>();
        source.forEachSample(e -> {
            RecordedStackTrace st = e.getStackTrace();
            if (st == null) {
                return;
            }
            counts[0]++;
            String firstLibrary = null;
            String owner = null;
            String ownerFrame = null;
            for (RecordedFrame fr : st.getFrames()) {
                if (fr.getMethod() == null || fr.getMethod().getType() == null) {
                    continue;
                }
                String cls = fr.getMethod().getType().getName();
                String m = cls + "." + fr.getMethod().getName();
                if (isRouting(cls)) {
                    owner = "routing";
                    ownerFrame = simple(m);
                    break;
                }
                if (isTransportBoundary(cls, fr.getMethod().getName())) {
                    owner = "transport";
                    break;
                }
                if (cls.startsWith("io.proxyless.mesh.benchmarks") || cls.startsWith("org.openjdk.jmh")) {
                    owner = "harness";
                    break;
                }
                if (firstLibrary == null && !isJdk(cls)) {
                    firstLibrary = simple(m);
                }
            }
            if ("routing".equals(owner)) {
                counts[1]++;
                String key = firstLibrary == null ? ownerFrame : firstLibrary + " ← " + ownerFrame;
                hot.merge(key, 1, Integer::sum);
            } else if ("transport".equals(owner)) {
                counts[2]++;
            } else if ("harness".equals(owner)) {
                counts[3]++;
            }
        });
        return new Profile(counts[0], counts[1], counts[2], counts[3], hottest(hot, 40));
    }

    /**
     * Inclusive shares of the mesh's own methods (a method counts for every sample it is on the stack of), for
     * single-threaded work like config apply: which step of loading, validating, translating and compiling takes
     * the time. Entry points every sample passes through are left out.
     */
    static Map<String, Double> inclusive(Path jfrDir, String runKey, int limit) {
        Map<String, Integer> counts = new HashMap<>();
        int samples = 0;
        Path f = jfrDir.resolve(runKey + ".jfr");
        if (!Files.exists(f)) {
            return Map.of();
        }
        try (RecordingFile rf = new RecordingFile(f)) {
            while (rf.hasMoreEvents()) {
                RecordedEvent e = rf.readEvent();
                if (!e.getEventType().getName().equals("jdk.ExecutionSample") || e.getStackTrace() == null) {
                    continue;
                }
                java.util.Set<String> seen = new java.util.HashSet<>();
                boolean mesh = false;
                for (RecordedFrame fr : e.getStackTrace().getFrames()) {
                    if (fr.getMethod() == null || fr.getMethod().getType() == null) {
                        continue;
                    }
                    String cls = fr.getMethod().getType().getName();
                    if (cls.startsWith("io.proxyless.mesh.") && !cls.startsWith("io.proxyless.mesh.benchmarks")) {
                        mesh = true;
                        String m = simple(cls + "." + fr.getMethod().getName());
                        if (seen.add(m)) {
                            counts.merge(m, 1, Integer::sum);
                        }
                    }
                }
                if (mesh) {
                    samples++;
                }
            }
        } catch (IOException e) {
            // a truncated recording: use what was read
        }
        int total = samples;
        Map<String, Double> top = new LinkedHashMap<>();
        counts.entrySet().stream()
                .filter(en -> !en.getKey().startsWith("Mesh$Builder.") && !en.getKey().startsWith("Mesh.<init>")
                        && !en.getKey().startsWith("XdsConfigSource$Builder."))
                .sorted((a, b) -> b.getValue() - a.getValue()).limit(limit)
                .forEach(en -> top.put(en.getKey(), total == 0 ? 0.0 : (double) en.getValue() / total));
        return top;
    }

    /**
     * Share of the run's samples with a frame of one of {@code packages} anywhere on the stack (e.g. recording the
     * metrics, wherever it is called from), and the hottest top frames of those samples.
     */
    static Profile within(Source source, List<String> packages) {
        int[] counts = new int[2]; // samples, within
        Map<String, Integer> hot = new HashMap<>();
        source.forEachSample(e -> {
            RecordedStackTrace st = e.getStackTrace();
            if (st == null) {
                return;
            }
            counts[0]++;
            String top = null;
            for (RecordedFrame fr : st.getFrames()) {
                if (fr.getMethod() == null || fr.getMethod().getType() == null) {
                    continue;
                }
                String cls = fr.getMethod().getType().getName();
                if (top == null) {
                    top = simple(cls + "." + fr.getMethod().getName());
                }
                if (packages.stream().anyMatch(cls::startsWith)) {
                    counts[1]++;
                    hot.merge(top, 1, Integer::sum);
                    return;
                }
            }
        });
        return new Profile(counts[0], counts[1], 0, 0, hottest(hot, 10));
    }

    /** The {@code limit} largest counts, largest first. */
    private static Map<String, Integer> hottest(Map<String, Integer> counts, int limit) {
        Map<String, Integer> top = new LinkedHashMap<>();
        counts.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(limit)
                .forEach(en -> top.put(en.getKey(), en.getValue()));
        return top;
    }

    private static boolean isRouting(String cls) {
        return (cls.startsWith("io.proxyless.mesh.") && !cls.startsWith("io.proxyless.mesh.benchmarks"))
                || cls.startsWith("io.grpc.xds.");
    }

    private static boolean isTransportBoundary(String cls, String method) {
        return (cls.equals("okhttp3.internal.http.RealInterceptorChain") && method.equals("proceed"))
                || cls.startsWith("okhttp3.internal.connection.")
                || cls.startsWith("io.grpc.internal.") || cls.startsWith("io.grpc.netty.")
                || cls.startsWith("okio.AsyncTimeout");
    }

    private static boolean isJdk(String cls) {
        return cls.startsWith("java.") || cls.startsWith("javax.") || cls.startsWith("jdk.") || cls.startsWith("sun.")
                || cls.startsWith("com.sun.") || cls.startsWith("kotlin.");
    }

    /** {@code okhttp3.HttpUrl$Builder.build} → {@code HttpUrl$Builder.build}; lambdas lose their generated ids. */
    private static String simple(String qualified) {
        String q = qualified;
        int lambda = q.indexOf("$$Lambda");
        if (lambda >= 0) {
            q = q.substring(0, lambda) + "$$Lambda" + q.substring(q.lastIndexOf('.'));
        }
        int method = q.lastIndexOf('.');
        int cls = q.lastIndexOf('.', method - 1);
        return q.substring(cls + 1);
    }

    /**
     * Share of the run's samples per thread kind (digits in thread names dropped), e.g. the mirror sender's
     * threads against the callers'.
     */
    static Map<String, Double> threads(Source source) {
        Map<String, Integer> counts = new HashMap<>();
        int[] samples = new int[1];
        source.forEachSample(e -> {
            jdk.jfr.consumer.RecordedThread t = e.getThread("sampledThread");
            String name = t == null || t.getJavaName() == null ? "?" : t.getJavaName();
            counts.merge(name.replaceAll("[0-9]+", "N"), 1, Integer::sum);
            samples[0]++;
        });
        int total = samples[0];
        Map<String, Double> out = new LinkedHashMap<>();
        counts.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue())
                .forEach(en -> out.put(en.getKey(), total == 0 ? 0.0 : (double) en.getValue() / total));
        return out;
    }
}
