package io.proxyless.mesh.benchmarks;

import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * The name under which one JMH run (benchmark method × parameters × threads) keeps its side files; the report
 * derives the same name from JMH's JSON result.
 */
public final class RunKeys {
    private RunKeys() {
    }

    static String of(BenchmarkParams params) {
        Map<String, String> p = new TreeMap<>();
        for (String k : params.getParamsKeys()) {
            p.put(k, params.getParam(k));
        }
        return of(params.getBenchmark(), p, params.getThreads());
    }

    /** {@code HttpBenchmark.request__variant=mesh__t8} for a fully qualified benchmark method name. */
    public static String of(String benchmark, Map<String, String> params, int threads) {
        String name = benchmark;
        int method = name.lastIndexOf('.');
        int cls = name.lastIndexOf('.', method - 1);
        StringBuilder sb = new StringBuilder(name.substring(cls + 1));
        new TreeMap<>(params).forEach((k, v) -> sb.append("__").append(k).append('=').append(v));
        return sb.append("__t").append(threads).toString();
    }
}
