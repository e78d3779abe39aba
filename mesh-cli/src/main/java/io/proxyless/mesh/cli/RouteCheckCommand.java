package io.proxyless.mesh.cli;

import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Severity;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.routing.CompiledMesh;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code mesh route-check}: runs a file of routing test cases against a config, like Envoy's
 * {@code router_check_tool}, so a config change can be tested before it is deployed.
 *
 * <p>Prints {@code PASS name} or {@code FAIL name: expected …, got …} per case and a last line
 * {@code N passed, N failed}. Exit status: 0 when every case passes, 1 when one fails (or the config has errors,
 * listed on stderr in the {@code mesh validate} format), 2 when the tests file cannot be read or is ill-formed
 * (every problem listed on stderr as {@code FILE:LINE: message}) or on other usage errors. The config comes from
 * files ({@code --config}) or an xDS server ({@code --bootstrap}), see {@link MeshOptions}.
 */
@Command(
        name = "route-check",
        description = {
            // Lines are kept under 80 columns by hand: picocli would wrap them without indentation.
            // The first line is also the command's summary in 'mesh --help': a whole sentence.
            "Runs routing test cases against a config and prints PASS or FAIL per case.",
            "Ends with 'N passed, N failed'. No request leaves the process.",
            "",
            "TESTS.yaml is a list of cases (or has a top-level 'tests:' list) such as:",
            "  - name: jason sees v2",
            "    request: {url: http://reviews:9080/, headers: {end-user: jason}}",
            "    expect: {virtualService: default/reviews, subset: v2}",
            "(request.method defaults to GET).",
            "Every expect key is optional:",
            "  virtualService  ns/name (or name) of the routing VirtualService; ~ for none",
            "  route           index (0, 1, ...) or name of the matched route; ~ for none",
            "  host            the destination host (else the requested host)",
            "  subset          the destination subset; ~ for none",
            "  action          forward, redirect, directResponse or reject",
            "  status          what a sidecar answers: 200 for forward (faults are not",
            "                  injected), the redirect code (default 301), the",
            "                  directResponse status, 404/502/503 for reject",
            "  redirect        the redirect's Location",
            "  weights         {SUBSET: PERCENT} (a host when there is no subset), over",
            "                  --samples requests from --seed; unlisted ones must get 0%%.",
            "                  Only forwarded requests count for a destination; the",
            "                  others count as reject, redirect or directResponse",
            "  tolerance       percentage points allowed for weights (default 2)",
            ""
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:every case passed",
            "1:a case failed, the config has errors (listed on stderr), or no complete config came from the xDS"
                    + " server",
            "2:the tests file cannot be read or is ill-formed (FILE:LINE: problem on stderr), an unusable"
                    + " bootstrap file, or another usage error",
            "3:internal failure (a bug: please report it)",
        },
        footerHeading = "%nExample:%n",
        footer = "  mesh route-check --config examples/config examples/route-tests.yaml")
final class RouteCheckCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    MeshOptions options;

    @Option(names = "--samples", paramLabel = "N", defaultValue = "10000",
            description = "Requests routed per case that expects weights (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
            description = "Seed for weighted and load-balancing choices; each case starts afresh from it "
                    + "(default: ${DEFAULT-VALUE}).")
    long seed;

    @Parameters(index = "0", paramLabel = "TESTS.yaml", description = "The test cases.")
    Path tests;

    @Override
    public Integer call() {
        if (samples < 1) {
            throw new ParameterException(spec.commandLine(), "--samples must be at least 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<RouteTestFile.TestCase> cases;
        try {
            cases = RouteTestFile.read(tests);
        } catch (RouteTestFile.InvalidTestsFileException e) {
            e.problems().forEach(err::println);
            err.flush();
            return MeshCommand.USAGE;
        }
        // An invalid config throws ConfigException here: MeshCommand prints its problems and exits 1.
        try (Mesh mesh = options.build()) {
            printWarnings(mesh.snapshot(), err);
            int passed = 0;
            int failed = 0;
            for (RouteTestFile.TestCase c : cases) {
                List<String> mismatches = check(c, mesh.snapshot());
                if (mismatches.isEmpty()) {
                    passed++;
                    out.println("PASS " + c.name());
                } else {
                    failed++;
                    out.println("FAIL " + c.name() + ": " + String.join("; ", mismatches));
                }
            }
            out.println(passed + " passed, " + failed + " failed");
            out.flush();
            return failed == 0 ? MeshCommand.OK : MeshCommand.CONFIG_ERRORS;
        }
    }

    /** Every expectation of {@code c} that does not hold; each case routes from a fresh generator with the seed. */
    private List<String> check(RouteTestFile.TestCase c, CompiledMesh snapshot) {
        RouteRequest request = c.request();
        Random random = new Random(seed);
        RouteDecision first = snapshot.route(request, random);
        List<RouteDecision> all = new ArrayList<>(List.of(first));
        if (c.needsSamples()) {
            for (int i = 1; i < samples; i++) {
                all.add(snapshot.route(request, random));
            }
        }
        RouteOutcome outcome = new RouteOutcome(first, request, snapshot, all);
        List<String> mismatches = new ArrayList<>();
        for (RouteExpectation e : c.expectations()) {
            String mismatch = e.mismatch(outcome);
            if (mismatch != null) {
                mismatches.add(mismatch);
            }
        }
        return mismatches;
    }

    /** Doubtful config can explain a FAIL, so warnings go to stderr, keeping stdout to the results. */
    private static void printWarnings(CompiledMesh snapshot, PrintWriter err) {
        snapshot.configWarnings().stream().filter(p -> p.severity() != Severity.INFO)
                .map(Problem::format).forEach(err::println);
        snapshot.warnings().forEach(w -> err.println("warning: " + w));
        err.flush();
    }
}
