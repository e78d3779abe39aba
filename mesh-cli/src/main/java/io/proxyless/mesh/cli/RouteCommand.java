package io.proxyless.mesh.cli;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.routing.RouteAction;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code mesh route}: explains, offline, what the mesh would do with one request. */
@Command(
        name = "route",
        description = {
            "Explains what the mesh does with one request: the VirtualService route, destinations and weights, "
                    + "the endpoint, and the timeout, retry, fault and mirror policies in force.",
            "Prints one JSON object. Never performs DNS."
        },
        exitCodeList = {
            "0:forward, redirect or directResponse",
            "1:the config has errors (listed on stderr), or no complete config came from the xDS server",
            "2:usage error, or an unusable bootstrap file",
            "3:the request is rejected (the JSON says why)",
        },
        footerHeading = "%nExample:%n",
        // One shell command over two lines: picocli would break a long line inside the URL.
        footer = {
            "  mesh route --config examples/config --samples 1000 \\",
            "      GET http://reviews:9080/reviews/1 -H 'end-user: jason'"
        })
final class RouteCommand implements Callable<Integer> {
    static final int REJECTED = 3;

    @Spec
    CommandSpec spec;

    @Mixin
    MeshOptions options;

    @Option(names = "--samples", paramLabel = "N", defaultValue = "1",
            description = "Route the request N times and count the picks per outcome: forwards per destination, "
                    + "rejections with their status and reason (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
            description = "Seed for weighted and load-balancing choices (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = {"-H", "--header"}, paramLabel = "'Name: value'", description = "Request header (repeatable).")
    List<String> headers = new ArrayList<>();

    @Parameters(index = "0", paramLabel = "METHOD", description = "HTTP method, e.g. GET.")
    String method;

    @Parameters(index = "1", paramLabel = "URL", description = "The URL the client calls, e.g. http://reviews:9080/.")
    String url;

    @Override
    public Integer call() {
        if (samples < 1) {
            throw new ParameterException(spec.commandLine(), "--samples must be at least 1");
        }
        RouteRequest.Builder builder;
        try {
            builder = RouteRequest.builder(method, url);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "invalid URL " + url + ": " + e.getMessage());
        }
        for (String h : headers) {
            int colon = h.indexOf(':');
            if (colon <= 0) {
                throw new ParameterException(spec.commandLine(), "invalid header '" + h + "': use 'Name: value'");
            }
            builder.header(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
        }
        RouteRequest request = builder.build();
        try (Mesh mesh = options.build()) {
            Random random = new Random(seed);
            RouteDecision first = mesh.route(request, random);
            List<RouteDecision> all = new ArrayList<>(List.of(first));
            for (int i = 1; i < samples; i++) {
                all.add(mesh.route(request, random));
            }
            Map<String, Object> json = DecisionJson.describe(first, all, mesh);
            PrintWriter out = spec.commandLine().getOut();
            out.println(io.proxyless.mesh.api.loader.ConfigWriter.treeToJson(json));
            out.flush();
            return first.action() == RouteAction.REJECT ? REJECTED : MeshCommand.OK;
        }
    }
}
