package io.proxyless.mesh.agent.testapp;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * An application that knows nothing of the mesh: plain OkHttp (and, in {@link GrpcSteps}, plain grpc-java),
 * logical service names in its URLs. It runs in a JVM of its own, on a class path without any mesh module, with
 * or without {@code -javaagent:mesh-agent.jar}.
 *
 * <p>Each argument is one step; for every step it prints {@code RESULT <step> <outcome>=<count>...}, an outcome
 * being the response body, or {@code !} and the exception's simple class name.
 * <ul>
 *   <li>{@code http|builder|N|URL[|header=value]} — N GETs with a client from {@code new OkHttpClient.Builder()}
 *       that has an application interceptor of its own (it adds {@code x-app-interceptor: on});</li>
 *   <li>{@code http|new|N|URL[|header=value]} — the same with {@code new OkHttpClient()};</li>
 *   <li>{@code http|derived|N|URL[|header=value]} — with {@code builderClient.newBuilder().build()};</li>
 *   <li>{@code http|fresh|N|URL[|header=value]} — with a {@code new OkHttpClient()} built for this step;</li>
 *   <li>{@code pause|FILE} — prints {@code PAUSED <step>} and waits (30 s at most) until FILE exists:
 *       {@code resumed} or {@code timeout};</li>
 *   <li>{@code grpc|...} — see {@link GrpcSteps}; {@code retrofit|...} — see {@link RetrofitSteps};</li>
 *   <li>{@code await|URL|BODY} — GETs URL until it answers BODY (10 s at most): {@code reached} or
 *       {@code timeout};</li>
 *   <li>{@code scrape|URL|METRIC|LABEL|SUM} — scrapes URL (Prometheus text) until the samples of METRIC with
 *       LABEL ({@code name="value"}) add up to SUM (10 s at most), and prints them as {@code METRIC} lines;</li>
 *   <li>{@code get|URL} — one GET: {@code status<code>}, and the body printed as {@code BODY} lines;</li>
 *   <li>{@code noop} — builds a client and does nothing (for start-up time).</li>
 * </ul>
 */
public final class PlainApp {
    private PlainApp() {
    }

    public static void main(String[] args) throws Exception {
        OkHttpClient builder = new OkHttpClient.Builder()
                .addInterceptor(chain -> chain.proceed(chain.request().newBuilder()
                        .header("x-app-interceptor", "on").build()))
                .build();
        OkHttpClient plain = new OkHttpClient();
        OkHttpClient derived = builder.newBuilder().build();
        for (int i = 0; i < args.length; i++) {
            String[] step = args[i].split("\\|");
            long started = System.nanoTime();
            Map<String, Integer> outcomes = switch (step[0]) {
                case "noop" -> Map.of();
                case "http" -> http(switch (step[1]) {
                    case "builder" -> builder;
                    case "new" -> plain;
                    case "derived" -> derived;
                    case "fresh" -> new OkHttpClient();
                    default -> throw new IllegalArgumentException(step[1]);
                }, Integer.parseInt(step[2]), step[3], step.length > 4 ? step[4] : null);
                case "grpc" -> GrpcSteps.run(step);
                case "await" -> await(plain, step[1], step[2]);
                case "get" -> get(plain, step[1]);
                case "pause" -> pause(i, java.nio.file.Path.of(step[1]));
                case "retrofit" -> RetrofitSteps.run(step);
                case "scrape" -> scrape(plain, step[1], step[2], step[3], Double.parseDouble(step[4]));
                default -> throw new IllegalArgumentException(args[i]);
            };
            StringBuilder line = new StringBuilder("RESULT ").append(i);
            outcomes.forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
            System.out.println(line);
            System.out.println("TIME " + i + " " + (System.nanoTime() - started) / 1_000_000 + " ms");
        }
        System.out.println("interceptors " + builder.interceptors().size() + " " + plain.interceptors().size()
                + " " + derived.interceptors().size());
        // when main was done (epoch ms): the application's start-up, apart from the JVM's exit
        System.out.println("ENDED " + System.currentTimeMillis());
        System.exit(0); // whatever threads the libraries keep
    }

    /** Polls {@code url} until its body is {@code expected}: for copies the application cannot wait for. */
    private static Map<String, Integer> await(OkHttpClient client, String url, String expected)
            throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Response response = client.newCall(new Request.Builder().url(url).build()).execute()) {
                if (response.body().string().equals(expected)) {
                    return Map.of("reached", 1);
                }
            } catch (IOException e) {
                // not there yet
            }
            Thread.sleep(20);
        }
        return Map.of("timeout", 1);
    }

    private static Map<String, Integer> pause(int step, java.nio.file.Path file) throws InterruptedException {
        System.out.println("PAUSED " + step);
        System.out.flush();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!java.nio.file.Files.exists(file)) {
            if (System.nanoTime() > deadline) {
                return Map.of("timeout", 1);
            }
            Thread.sleep(20);
        }
        return Map.of("resumed", 1);
    }

    private static Map<String, Integer> get(OkHttpClient client, String url) throws IOException {
        try (Response response = client.newCall(new Request.Builder().url(url).build()).execute()) {
            response.body().string().lines().forEach(l -> System.out.println("BODY " + l));
            return Map.of("status" + response.code(), 1);
        }
    }

    private static Map<String, Integer> scrape(OkHttpClient client, String url, String metric, String label,
                                               double expected) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        String last = "";
        while (System.nanoTime() < deadline) {
            try (Response response = client.newCall(new Request.Builder().url(url).build()).execute()) {
                last = response.body().string();
            } catch (IOException e) {
                last = e.toString();
            }
            double sum = 0;
            for (String line : last.split("\n")) {
                if (line.startsWith(metric + "{") && line.contains(label)) {
                    sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            if (sum == expected) {
                last.lines().filter(l -> l.startsWith(metric)).forEach(l -> System.out.println("METRIC " + l));
                return Map.of("reached", 1);
            }
            Thread.sleep(20);
        }
        System.out.println("SCRAPE " + last.replace('\n', ' '));
        return Map.of("timeout", 1);
    }

    private static Map<String, Integer> http(OkHttpClient client, int n, String url, String header) {
        Map<String, Integer> outcomes = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            Request.Builder request = new Request.Builder().url(url);
            if (header != null) {
                int eq = header.indexOf('=');
                request.header(header.substring(0, eq), header.substring(eq + 1));
            }
            String outcome;
            try (Response response = client.newCall(request.build()).execute()) {
                outcome = response.code() == 200 ? response.body().string() : "status" + response.code();
            } catch (IOException e) {
                outcome = "!" + e.getClass().getSimpleName();
            }
            outcomes.merge(outcome, 1, Integer::sum);
        }
        return outcomes;
    }
}
