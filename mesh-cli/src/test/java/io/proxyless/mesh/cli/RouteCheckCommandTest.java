package io.proxyless.mesh.cli;

import static io.proxyless.mesh.cli.CliRun.mesh;
import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.xds.BookinfoXdsServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mesh route-check}: PASS/FAIL lines, the summary, and exit 0 / 1 / 2, over the sample configs. */
class RouteCheckCommandTest {
    private static final Path EXAMPLES = Path.of("..", "examples");
    private static final String CONFIG = EXAMPLES.resolve("config").toString();
    private static final String BASE = EXAMPLES.resolve("config/base").toString();
    private static final String SAMPLE_TESTS = EXAMPLES.resolve("route-tests.yaml").toString();
    private static final String FIFTY_FIFTY = EXAMPLES.resolve("scenarios/traffic-shifting/50-50").toString();

    @TempDir
    Path dir;

    private Path tests(String yaml) throws IOException {
        return Files.writeString(dir.resolve("tests.yaml"), yaml);
    }

    @Test
    void sampleTestsPassAgainstTheSampleConfig() {
        CliRun run = mesh("route-check", "--config", CONFIG, SAMPLE_TESTS);

        assertThat(run.status()).as(run.toString()).isZero();
        assertThat(run.out()).isEqualTo("""
                PASS jason sees reviews v2
                PASS other users see reviews v1
                PASS anonymous users see reviews v1
                PASS header values are matched exactly
                PASS productpage goes to v1
                PASS details goes to v1
                PASS ratings goes to v1
                PASS egress to httpbin.org goes out directly
                PASS httpbin has no VirtualService and takes the default route
                9 passed, 0 failed
                """);
        assertThat(run.err()).as(run.toString()).isEmpty();
    }

    @Test
    void sampleTestsFailAfterTheFiftyFiftyShiftReplacesJasonsRoute() {
        // The same tests against a config where reviews is split 50/50 between v1 and v3 and jason's route is gone.
        CliRun run = mesh("route-check", "--config", BASE, "--config", FIFTY_FIFTY, SAMPLE_TESTS);

        assertThat(run.status()).as(run.toString()).isEqualTo(1);
        assertThat(run.out().lines()).as(run.toString()).containsExactly(
                "FAIL jason sees reviews v2: expected route jason-sees-v2, got 0; expected subset v2, got v3",
                "FAIL other users see reviews v1: expected route everyone-else-v1, got 0; expected subset v1, got v3",
                "FAIL anonymous users see reviews v1: expected route 1, got 0; expected subset v1, got v3; "
                        + "expected v1 at 100% ±2, got 49.22%; expected v3 at 0% ±2 (not in weights), got 50.78% "
                        + "(over 10000 samples)",
                "FAIL header values are matched exactly: expected subset v1, got v3",
                "FAIL productpage goes to v1: expected virtualService default/productpage, got none; "
                        + "expected subset v1, got none",
                "FAIL details goes to v1: expected virtualService default/details, got none; "
                        + "expected subset v1, got none",
                "FAIL ratings goes to v1: expected virtualService default/ratings, got none; "
                        + "expected subset v1, got none",
                "FAIL egress to httpbin.org goes out directly: expected virtualService default/httpbin-org, got none",
                "PASS httpbin has no VirtualService and takes the default route",
                "1 passed, 8 failed");
    }

    @Test
    void weightsWithinTheirToleranceOverTenThousandSamplesPass() throws IOException {
        Path tests = tests("""
                - name: fifty-fifty
                  request: {url: http://reviews:9080/}
                  expect:
                    weights: {v1: 50, v3: 50}
                    tolerance: 1.5
                - name: eighty-twenty is not fifty-fifty
                  request: {url: http://reviews:9080/}
                  expect:
                    weights: {v1: 80, v3: 20}
                """);

        CliRun run = mesh("route-check", "--config", BASE, "--config", FIFTY_FIFTY, tests.toString());

        assertThat(run.status()).as(run.toString()).isEqualTo(1);
        assertThat(run.out().lines()).as(run.toString()).containsExactly(
                "PASS fifty-fifty",
                "FAIL eighty-twenty is not fifty-fifty: expected v1 at 80% ±2, got 49.22%; "
                        + "expected v3 at 20% ±2, got 50.78% (over 10000 samples)",
                "1 passed, 1 failed");
    }

    /** The 80-20 shift with the v1 leg's host misspelled: most requests are rejected, which no weight may hide. */
    private Path misspelledEightyTwenty() throws IOException {
        return Files.writeString(dir.resolve("reviews.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: reveiws, subset: v1}
                      weight: 80
                    - destination: {host: reviews, subset: v3}
                      weight: 20
                """);
    }

    @Test
    void rejectedDecisionsAreNotCountedUnderTheSubsetTheyWereMeantFor() throws IOException {
        Path config = misspelledEightyTwenty();
        Path tests = tests("""
                - name: eighty-twenty
                  request: {url: http://reviews:9080/}
                  expect:
                    weights: {v1: 80, v3: 20}
                - name: the rejections can be expected by name
                  request: {url: http://reviews:9080/}
                  expect:
                    weights: {reject: 80, v3: 20}
                """);

        CliRun run = mesh("route-check", "--config", BASE, "--config", config.toString(), "--samples", "1000",
                tests.toString());

        assertThat(run.status()).as(run.toString()).isEqualTo(1);
        List<String> lines = run.out().lines().toList();
        assertThat(lines).as(run.toString()).hasSize(3);
        // 799 of 1000 decisions are rejections; the first one's status and reason say why.
        assertThat(lines.get(0))
                .startsWith("FAIL eighty-twenty: expected v1 at 80% ±2, got 0%; expected reject at 0% ±2 "
                        + "(not in weights), got 79.9% (503: ")
                .contains("reveiws.default.svc.cluster.local")
                .endsWith(") (over 1000 samples)");
        assertThat(lines.subList(1, 3)).containsExactly("PASS the rejections can be expected by name",
                "1 passed, 1 failed");
    }

    @Test
    void toleranceDecidesWhetherASmallDeviationPasses() throws IOException {
        // With the default seed (1) the 50/50 split comes out at 49.22/50.78: inside ±1, outside ±0.5.
        Path tests = tests("""
                tests:
                - name: loose
                  request: {url: http://reviews:9080/}
                  expect: {weights: {v1: 50, v3: 50}, tolerance: 1}
                - name: tight
                  request: {url: http://reviews:9080/}
                  expect: {weights: {v1: 50, v3: 50}, tolerance: 0.5}
                """);

        CliRun run = mesh("route-check", "--config", BASE, "--config", FIFTY_FIFTY, tests.toString());

        assertThat(run.out().lines()).as(run.toString()).containsExactly(
                "PASS loose",
                "FAIL tight: expected v1 at 50% ±0.5, got 49.22%; expected v3 at 50% ±0.5, got 50.78% "
                        + "(over 10000 samples)",
                "1 passed, 1 failed");
    }

    @Test
    void rejectionsRedirectsAndDirectResponsesAreCheckedByActionAndStatus() throws IOException {
        Path config = Files.writeString(dir.resolve("mesh.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - name: moved
                    match: [{uri: {prefix: /old}}]
                    redirect: {uri: /new, redirectCode: 302}
                  - name: to-https
                    match: [{uri: {prefix: /secure}}]
                    redirect: {scheme: https, port: 8443}
                  - name: gone
                    match: [{uri: {exact: /gone}}]
                    directResponse: {status: 410, body: {string: gone}}
                  - name: missing-subset
                    match: [{uri: {prefix: /v9}}]
                    route: [{destination: {host: reviews, subset: v9}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: default}
                spec:
                  egress: [{hosts: ["./*"]}]
                  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
                """);
        Path tests = tests("""
                - name: redirect keeps the query
                  request: {url: "http://reviews:9080/old/page?x=1"}
                  expect: {action: redirect, status: 302, redirect: "http://reviews:9080/new?x=1", route: moved}
                - name: scheme and port redirect
                  request: {url: http://reviews:9080/secure/a}
                  expect: {action: redirect, status: 301, redirect: "https://reviews:8443/secure/a"}
                - name: direct response
                  request: {url: http://reviews:9080/gone}
                  expect: {action: directResponse, status: 410}
                - name: unknown subset is a 503
                  request: {url: http://reviews:9080/v9}
                  expect: {action: reject, status: 503, subset: v9}
                - name: no route is a 404
                  request: {url: http://reviews:9080/other}
                  expect: {action: reject, status: 404, route: ~}
                - name: unknown host under REGISTRY_ONLY is a 502
                  request: {url: http://unknown.example.com/}
                  expect: {action: reject, status: 502, virtualService: ~}
                - name: wrong expectation
                  request: {url: http://reviews:9080/gone}
                  expect: {action: forward, status: 200, redirect: http://x/}
                """);

        CliRun run = mesh("route-check", "--config", BASE, "--config", config.toString(), tests.toString());

        assertThat(run.status()).as(run.toString()).isEqualTo(1);
        assertThat(run.out().lines()).as(run.toString()).containsExactly(
                "PASS redirect keeps the query",
                "PASS scheme and port redirect",
                "PASS direct response",
                "PASS unknown subset is a 503",
                "PASS no route is a 404",
                "PASS unknown host under REGISTRY_ONLY is a 502",
                "FAIL wrong expectation: expected action forward, got directResponse; "
                        + "expected status 200, got 410 (directResponse); "
                        + "expected redirect http://x/, got none (directResponse)",
                "6 passed, 1 failed");
    }

    @Test
    void aConfigProblemIsPrintedOnce() throws IOException {
        Path config = Files.writeString(dir.resolve("reviews.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route: [{destination: {host: reviews, subset: v1}}]
                  - route: [{destination: {host: reviews, subset: v3}}]
                """);
        Path tests = tests("""
                - name: v1
                  request: {url: http://reviews:9080/}
                  expect: {subset: v1}
                """);
        // The mesh's own log goes to the process's stderr, next to what the command prints there.
        PrintStream processErr = System.err;
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        CliRun run;
        try {
            System.setErr(new PrintStream(logged, true, StandardCharsets.UTF_8));
            run = mesh("route-check", "--config", BASE, "--config", config.toString(), tests.toString());
        } finally {
            System.setErr(processErr);
        }

        assertThat(run.status()).as(run.toString()).isZero();
        String stderr = logged.toString(StandardCharsets.UTF_8) + run.err();
        assertThat(stderr.lines().filter(l -> l.contains("http[1]"))).as(stderr).containsExactly("warning: " + config
                + ":8: VirtualService default/reviews: spec.http[1]: [IST0130] VirtualService rule #1 not used (only the"
                + " last rule can have no matches).");
    }

    @Test
    void illFormedTestsFileExitsTwoWithEveryProblemAndItsLine() throws IOException {
        Path tests = tests("""
                tests:
                - name: typo in expect
                  request: {url: http://reviews:9080/}
                  expect:
                    subst: v1
                - request: {url: http://reviews:9080/}
                  expect: {subset: v1}
                - name: bad values
                  request:
                    url: http://reviews:9080/
                    header: {end-user: jason}
                  expect:
                    action: teleport
                    status: 999
                    weights: {v1: lots}
                - name: nothing to check
                  request: {url: http://reviews:9080/}
                """);

        CliRun run = mesh("route-check", "--config", CONFIG, tests.toString());

        assertThat(run.status()).as(run.toString()).isEqualTo(MeshCommand.USAGE);
        assertThat(run.out()).isEmpty();
        assertThat(run.err().lines()).as(run.toString()).containsExactly(
                tests + ":5: test \"typo in expect\": expect: unknown key \"subst\"; did you mean \"subset\"?",
                tests + ":6: test case 2: missing \"name\"",
                tests + ":11: test \"bad values\": request: unknown key \"header\"; did you mean \"headers\"?",
                tests + ":13: test \"bad values\": expect.action must be one of forward, redirect, directResponse, "
                        + "reject; got \"teleport\"",
                tests + ":14: test \"bad values\": expect.status must be an HTTP status (100-599), got 999",
                tests + ":15: test \"bad values\": expect.weights.v1 must be a percentage (0-100), got \"lots\"",
                tests + ":16: test \"nothing to check\": missing \"expect\"");
    }

    @Test
    void yamlSyntaxErrorExitsTwoWithItsLine() throws IOException {
        Path tests = tests("""
                - name: a
                  request: {url: http://reviews:9080/
                  expect: {subset: v1}
                """);

        CliRun run = mesh("route-check", "--config", CONFIG, tests.toString());

        assertThat(run.status()).as(run.toString()).isEqualTo(MeshCommand.USAGE);
        assertThat(run.err()).as(run.toString()).startsWith(tests + ":3: invalid YAML: ");
    }

    @Test
    void testsFileOfTheWrongShapeExitsTwo() throws IOException {
        CliRun notAList = mesh("route-check", "--config", CONFIG, tests("name: a\n").toString());
        assertThat(notAList.status()).as(notAList.toString()).isEqualTo(MeshCommand.USAGE);
        assertThat(notAList.err()).isEqualTo(dir.resolve("tests.yaml") + ":1: the top level: unknown key \"name\"; "
                + "known keys: tests\n" + dir.resolve("tests.yaml") + ":1: missing \"tests\": the file must be a list "
                + "of cases, or have a top-level \"tests\" list\n");

        CliRun empty = mesh("route-check", "--config", CONFIG, tests("").toString());
        assertThat(empty.status()).as(empty.toString()).isEqualTo(MeshCommand.USAGE);
        assertThat(empty.err()).contains("no test cases");
    }

    @Test
    void unreadableTestsFileExitsTwo() {
        Path missing = dir.resolve("missing.yaml");

        CliRun run = mesh("route-check", "--config", CONFIG, missing.toString());
        assertThat(run.status()).as(run.toString()).isEqualTo(MeshCommand.USAGE);
        assertThat(run.err()).isEqualTo(missing + ": cannot read tests file: no such file\n");

        CliRun directory = mesh("route-check", "--config", CONFIG, dir.toString());
        assertThat(directory.status()).as(directory.toString()).isEqualTo(MeshCommand.USAGE);
        assertThat(directory.err()).isEqualTo(dir + ": cannot read tests file: is a directory\n");
    }

    @Test
    void invalidConfigExitsOneWithProblemsInTheValidateFormat() throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: a}
                spec:
                  hosts: [a]
                  http: [{route: [{destination: {host: a, subst: v1}}]}]
                """);

        CliRun run = mesh("route-check", "--config", bad.toString(), SAMPLE_TESTS);

        assertThat(run.status()).as(run.toString()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains(bad + ":6: VirtualService default/a: "
                + "spec.http[0].route[0].destination.subst: unknown field \"subst\"; did you mean \"subset\"?");
    }

    @Test
    void casesRunAgainstConfigFromAnXdsServer() throws IOException {
        try (BookinfoXdsServer server = new BookinfoXdsServer()) {
            Path bootstrap = Files.writeString(dir.resolve("bootstrap.json"), server.bootstrapJson());
            Path tests = tests("""
                    - name: reviews takes istiod's default route
                      request: {url: http://reviews:9080/reviews/1}
                      expect: {host: reviews, subset: ~, action: forward, status: 200}
                    - name: reviews has no v7
                      request: {url: http://reviews:9080/reviews/1}
                      expect: {subset: v7}
                    """);

            CliRun run = mesh("route-check", "--bootstrap", bootstrap.toString(), tests.toString());

            assertThat(run.status()).as(run.toString()).isEqualTo(1);
            assertThat(run.out().lines()).as(run.toString()).containsExactly(
                    "PASS reviews takes istiod's default route",
                    "FAIL reviews has no v7: expected subset v7, got none",
                    "1 passed, 1 failed");
        }
    }

    @Test
    void helpShowsTheExpectKeysAndAnExample() {
        CliRun run = mesh("route-check", "--help");

        assertThat(run.status()).as(run.toString()).isZero();
        assertThat(run.out())
                .startsWith("Usage: mesh route-check ")
                .contains("virtualService", "tolerance", "Exit status:")
                .endsWith("Example:\n  mesh route-check --config examples/config examples/route-tests.yaml\n");
    }
}
