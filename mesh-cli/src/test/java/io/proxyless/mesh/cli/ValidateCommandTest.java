package io.proxyless.mesh.cli;

import static io.proxyless.mesh.cli.CliRun.mesh;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mesh validate} against real files: what it prints, where, and with which exit status. */
class ValidateCommandTest {

    private static final String REVIEWS_VS = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
            spec:
              hosts:
              - reviews
              http:
              - match:
                - headers:
                    end-user:
                      exact: jason
                route:
                - destination:
                    host: reviews
                    subset: v2
              - route:
                - destination:
                    host: reviews
                    subset: v1
            """;

    private static final String REVIEWS_DR = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: reviews
            spec:
              host: reviews
              subsets:
              - name: v1
                labels:
                  version: v1
              - name: v2
                labels:
                  version: v2
            """;

    /** A typo in a field name on line 8, the line the message must point at. */
    private static final String TYPO_VS = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
            spec:
              hosts: [reviews]
              http:
              - route: [{destination: {host: reviews, subst: v2}}]
            """;

    /** A weight that is not a number: a binding error, found before any validation rule runs. */
    private static final String WRONG_TYPE_VS = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: ratings
              namespace: shop
            spec:
              hosts: [ratings]
              http:
              - route:
                - destination: {host: ratings, subset: v1}
                  weight: heavy
                - destination: {host: ratings, subset: v2}
                  weight: 50
            """;

    /** corsPolicy is enforced by servers, never by a client: accepted with a warning. */
    private static final String CORS_VS = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: details
            spec:
              hosts: [details]
              http:
              - corsPolicy:
                  allowOrigins:
                  - exact: https://example.com
                route:
                - destination: {host: details}
            """;

    /** The service the VirtualService and DestinationRule above are about, with an endpoint for each subset. */
    private static final String REVIEWS_SE = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata:
              name: reviews
            spec:
              hosts: [reviews.default.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 9080, name: http, protocol: HTTP}]
              endpoints:
              - {address: 10.0.0.1, labels: {version: v1}}
              - {address: 10.0.0.2, labels: {version: v2}}
            """;

    private static final String KUBERNETES_SERVICE = """
            apiVersion: v1
            kind: Service
            metadata:
              name: reviews
            spec:
              ports:
              - port: 9080
                name: http
            """;

    private static final String CONFIG_MAP = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
            data:
              level: debug
            """;

    @TempDir
    Path dir;

    @Test
    void validConfigExitsZeroAndPrintsOnlyTheSummary() throws IOException {
        Path vs = write("reviews-vs.yaml", REVIEWS_VS);
        Path dr = write("reviews-dr.yaml", REVIEWS_DR);
        Path se = write("reviews-se.yaml", REVIEWS_SE);

        CliRun run = mesh("validate", vs.toString(), dr.toString(), se.toString());

        assertThat(run.status()).as(run.toString()).isZero();
        assertThat(run.out()).as(run.toString()).isEmpty();
        assertThat(run.err()).isEqualTo("0 errors, 0 warnings in 3 files\n");
    }

    @Test
    void directoriesAreSearchedRecursively() throws IOException {
        write("reviews/vs.yaml", REVIEWS_VS);
        write("reviews/rules/dr.yml", REVIEWS_DR);
        write("services/reviews.yaml", REVIEWS_SE);
        write("notes.txt", "not config, not read");

        CliRun run = mesh("validate", dir.toString());

        assertThat(run.status()).as(run.toString()).isZero();
        assertThat(run.err()).isEqualTo("0 errors, 0 warnings in 3 files\n");
    }

    @Test
    void unknownFieldIsAnErrorWithFileLineResourcePathAndSuggestion() throws IOException {
        Path bad = write("bad.yaml", TYPO_VS);

        CliRun run = mesh("validate", bad.toString());

        assertThat(run.status()).as(run.toString()).isEqualTo(MeshCommand.CONFIG_ERRORS);
        assertThat(run.out()).isEqualTo(bad + ":8: VirtualService default/reviews: "
                + "spec.http[0].route[0].destination.subst: unknown field \"subst\"; did you mean \"subset\"?\n");
        assertThat(run.err()).isEqualTo("1 error, 0 warnings in 1 file\n");
    }

    @Test
    void securityPoliciesAreValidatedLikeTheNetworkingKinds() throws IOException {
        Path pa = write("mtls.yaml", """
                apiVersion: security.istio.io/v1beta1
                kind: PeerAuthentication
                metadata: {name: default, namespace: bookinfo}
                spec:
                  mtls: {mode: STRICT}
                  portLevelMtls:
                    9080: {mode: PERMISSIVE}
                """);
        Path ap = write("authz.yaml", """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: reviews, namespace: bookinfo}
                spec:
                  rules:
                  - when:
                    - key: source.principals
                      values: [cluster.local/ns/default/sa/sleep]
                """);

        CliRun run = mesh("validate", pa.toString(), ap.toString());

        assertThat(run.status()).as(run.toString()).isEqualTo(MeshCommand.CONFIG_ERRORS);
        // Files in name order: authz.yaml before mtls.yaml.
        assertThat(run.out()).isEqualTo(ap + ":7: AuthorizationPolicy bookinfo/reviews: spec.rules[0].when[0].key:"
                + " unknown attribute: source.principals; did you mean \"source.principal\"?\n"
                + pa + ":6: PeerAuthentication bookinfo/default: spec.portLevelMtls:"
                + " mesh/namespace peer authentication cannot have port level mTLS\n");
        assertThat(run.err()).isEqualTo("2 errors, 0 warnings in 2 files\n");
    }

    @Test
    void namespaceOptionNamesResourcesThatSetNoNamespace() throws IOException {
        Path bad = write("bad.yaml", TYPO_VS);

        CliRun run = mesh("validate", "--namespace", "shop", bad.toString());

        assertThat(run.status()).as(run.toString()).isEqualTo(MeshCommand.CONFIG_ERRORS);
        assertThat(run.out()).startsWith(bad + ":8: VirtualService shop/reviews: ");
    }

    @Test
    void everyErrorInEveryFileIsPrintedInFileOrderAndCounted() throws IOException {
        Path typo = write("a-typo.yaml", TYPO_VS);
        Path wrongType = write("b-wrong-type.yaml", WRONG_TYPE_VS);
        Path good = write("c-good.yaml", REVIEWS_DR + "---\n" + REVIEWS_SE);

        CliRun run = mesh("validate", wrongType.toString(), good.toString(), typo.toString());

        // A resource that does not even bind (a weight that is no number) is not analyzed: its error says enough.
        assertThat(run.status()).as(run.toString()).isEqualTo(MeshCommand.CONFIG_ERRORS);
        assertThat(run.out()).isEqualTo(typo + ":8: VirtualService default/reviews: "
                + "spec.http[0].route[0].destination.subst: unknown field \"subst\"; did you mean \"subset\"?\n"
                + wrongType + ":11: VirtualService shop/ratings: "
                + "spec.http[0].route[0].weight: expected an integer, got the string \"heavy\"\n");
        assertThat(run.err()).isEqualTo("2 errors, 0 warnings in 3 files\n");
    }

    @Test
    void warningsAlonePrintButExitZero() throws IOException {
        Path cors = write("details.yaml", CORS_VS + """
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: details}
                spec:
                  ports: [{name: http, port: 9080}]
                """);

        CliRun run = mesh("validate", cors.toString());

        assertThat(run.status()).as(run.toString()).isZero();
        assertThat(run.out()).as(run.toString())
                .startsWith("warning: " + cors + ":8: VirtualService default/details: spec.http[0].corsPolicy: ");
        assertThat(run.out().lines()).hasSize(1);
        assertThat(run.err()).isEqualTo("0 errors, 1 warning in 1 file\n");
    }

    @Test
    void skippedNonIstioDocumentIsCountedButShownOnlyWhenVerbose() throws IOException {
        Path file = write("reviews.yaml", CONFIG_MAP + "---\n" + REVIEWS_DR + "---\n" + REVIEWS_SE);

        CliRun quiet = mesh("validate", file.toString());
        CliRun verbose = mesh("validate", "--verbose", file.toString());

        assertThat(quiet.status()).as(quiet.toString()).isZero();
        assertThat(quiet.out()).as(quiet.toString()).isEmpty();
        assertThat(quiet.err()).isEqualTo("0 errors, 0 warnings in 1 file (1 info not shown; use --verbose)\n");
        assertThat(verbose.status()).as(verbose.toString()).isZero();
        assertThat(verbose.out()).as(verbose.toString()).isEqualTo("info: " + file + ":2: ConfigMap default/settings: "
                + "kind: not an Istio networking resource (v1 ConfigMap); skipped\n");
        assertThat(verbose.err()).isEqualTo("0 errors, 0 warnings, 1 info in 1 file\n");
    }

    @Test
    void missingPathIsAUsageError() {
        CliRun run = mesh("validate");

        assertThat(run.status()).as(run.toString()).isEqualTo(MeshCommand.USAGE);
        assertThat(run.out()).isEmpty();
        assertThat(run.err())
                .startsWith("mesh validate: Missing required parameter: 'PATH'\n")
                .contains("Usage: mesh validate ")
                .endsWith("Try 'mesh validate --help' for more information.\n");
    }

    @Test
    void pathThatDoesNotExistIsAUsageErrorNamingIt() throws IOException {
        Path good = write("reviews-dr.yaml", REVIEWS_DR);
        Path missing = dir.resolve("no-such.yaml");

        CliRun run = mesh("validate", good.toString(), missing.toString());

        assertThat(run.status()).as(run.toString()).isEqualTo(MeshCommand.USAGE);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).startsWith("mesh validate: no such file or directory: " + missing + "\n");
    }

    @Test
    void unknownOptionIsAUsageError() throws IOException {
        Path good = write("reviews-dr.yaml", REVIEWS_DR);

        CliRun run = mesh("validate", "--stritc", good.toString());

        assertThat(run.status()).as(run.toString()).isEqualTo(MeshCommand.USAGE);
        assertThat(run.err()).startsWith("mesh validate: Unknown option: '--stritc'");
    }

    @Test
    void namespaceThatIsNotADnsLabelIsAUsageError() throws IOException {
        Path good = write("reviews-dr.yaml", REVIEWS_DR);

        CliRun run = mesh("validate", "-n", "My_Namespace", good.toString());

        assertThat(run.status()).as(run.toString()).isEqualTo(MeshCommand.USAGE);
        assertThat(run.err()).startsWith("mesh validate: invalid namespace 'My_Namespace': ");
    }

    @Test
    void helpShowsOptionsAndAnExample() {
        CliRun run = mesh("validate", "--help");

        assertThat(run.status()).as(run.toString()).isZero();
        assertThat(run.out())
                .startsWith("Usage: mesh validate [-hV] [--strict] [--verbose] [-n=NS] [-o=FORMAT] PATH...\n")
                .contains("-n, --namespace=NS", "--verbose", "--strict", "-o, --output=FORMAT", "Exit status:\n")
                .contains("Examples:\n  mesh validate examples/config\n");
        assertThat(run.err()).isEmpty();
    }

    private Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, content);
    }

    @Test
    void aCertificateFileThatIsNotThereIsAConfigErrorForValidateRouteAndDump() throws IOException {
        Path missing = dir.resolve("certs/ca.pem");
        Path config = write("web.yaml", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: web}
                spec:
                  hosts: [web.default.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 8443, name: https, protocol: HTTP}]
                  endpoints: [{address: 10.0.0.1}]
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: web}
                spec:
                  host: web
                  trafficPolicy:
                    tls: {mode: SIMPLE, caCertificates: %s}
                """.formatted(missing));
        String expected = config + ":17: DestinationRule default/web: spec.trafficPolicy.tls.caCertificates: "
                + "CA certificates file " + missing + " does not exist";

        CliRun validate = mesh("validate", config.toString());
        assertThat(validate.status()).as(validate.toString()).isEqualTo(MeshCommand.CONFIG_ERRORS);
        assertThat(validate.out()).startsWith(expected);

        CliRun route = mesh("route", "--config", config.toString(), "GET", "http://web:8443/");
        assertThat(route.status()).as(route.toString()).isEqualTo(MeshCommand.CONFIG_ERRORS);
        assertThat(route.err()).contains(expected);

        CliRun dump = mesh("dump", "--config", config.toString());
        assertThat(dump.status()).as(dump.toString()).isEqualTo(MeshCommand.CONFIG_ERRORS);
        assertThat(dump.err()).contains(expected);
    }

    @Test
    void istioValidationRuleViolationsExitOneWithTheirLines() throws IOException {
        Path bad = write("timeouts.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: reviews}
                      weight: 0
                    - destination: {host: reviews}
                      weight: 0
                    timeout: 0s
                    retries: {attempts: -1}
                """ + "---\n" + REVIEWS_SE);

        CliRun run = mesh("validate", bad.toString());

        assertThat(run.status()).as(run.toString()).isEqualTo(MeshCommand.CONFIG_ERRORS);
        assertThat(run.out()).isEqualTo(
                bad + ":7: VirtualService default/reviews: spec.http[0].route: total destination weight = 0\n"
                + bad + ":12: VirtualService default/reviews: spec.http[0].timeout: duration must be greater than 1ms\n"
                + bad + ":13: VirtualService default/reviews: spec.http[0].retries.attempts: attempts cannot be negative\n");
    }

    /** A VirtualService for a host nothing defines: IST0101, an analysis error at the host's line (10). */
    private static final String UNKNOWN_HOST_VS = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: ratings
            spec:
              hosts: [ratings]
              http:
              - route:
                - destination:
                    host: ratngs
            """;

    @Test
    void analysisFindingsCarryIstiosCodeAndSeverity() throws IOException {
        Path vs = write("ratings.yaml", UNKNOWN_HOST_VS);

        CliRun run = mesh("validate", vs.toString());

        assertThat(run.status()).as(run.toString()).isEqualTo(MeshCommand.CONFIG_ERRORS);
        assertThat(run.out()).isEqualTo(vs + ":10: VirtualService default/ratings: "
                + "spec.http[0].route[0].destination.host: [IST0101] Referenced host not found: \"ratngs\"\n");
        assertThat(run.err()).isEqualTo("1 error, 0 warnings in 1 file\n");
    }

    @Test
    void strictFailsOnWarningsButNotOnInfos() throws IOException {
        // A TCP ServiceEntry without addresses: IST0134, a warning.
        Path warned = write("db.yaml", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: db}
                spec:
                  hosts: [db.example.com]
                  location: MESH_EXTERNAL
                  resolution: DNS
                  ports: [{number: 5432, name: tcp-pg, protocol: TCP}]
                """);
        // A repeated match block: IST0131, an info.
        Path informed = write("info/reviews.yaml", REVIEWS_SE + """
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match: [{headers: {end-user: {exact: jason}}}]
                    route: [{destination: {host: reviews}}]
                  - match: [{headers: {end-user: {exact: jason}}}, {uri: {prefix: /v2}}]
                    route: [{destination: {host: reviews}}]
                """);

        CliRun lenient = mesh("validate", warned.toString());
        CliRun strict = mesh("validate", "--strict", warned.toString());
        CliRun strictOnInfo = mesh("validate", "--strict", informed.toString());

        assertThat(lenient.status()).as(lenient.toString()).isEqualTo(MeshCommand.OK);
        assertThat(lenient.out()).contains("[IST0134] ServiceEntry addresses are required for this protocol.");
        assertThat(strict.status()).as(strict.toString()).isEqualTo(MeshCommand.CONFIG_ERRORS);
        assertThat(strict.out()).isEqualTo(lenient.out());
        assertThat(strict.err()).isEqualTo("0 errors, 1 warning in 1 file\n");
        assertThat(strictOnInfo.status()).as(strictOnInfo.toString()).isEqualTo(MeshCommand.OK);
        assertThat(strictOnInfo.err()).isEqualTo("0 errors, 0 warnings in 1 file (1 info not shown; use --verbose)\n");
    }

    @Test
    void strictStillFailsOnErrors() throws IOException {
        Path vs = write("ratings.yaml", UNKNOWN_HOST_VS);

        assertThat(mesh("validate", "--strict", vs.toString()).status()).isEqualTo(MeshCommand.CONFIG_ERRORS);
    }

    @Test
    void jsonOutputListsEveryProblemWithItsCodeAndTheCounts() throws Exception {
        Path vs = write("ratings.yaml", UNKNOWN_HOST_VS);
        Path cors = write("details.yaml", CORS_VS.replace("host: details", "host: ratings"));

        CliRun run = mesh("validate", "--output", "json", vs.toString(), cors.toString());

        assertThat(run.status()).as(run.toString()).isEqualTo(MeshCommand.CONFIG_ERRORS);
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(run.out());
        assertThat(json.get("errors").asInt()).isEqualTo(2);
        assertThat(json.get("warnings").asInt()).isEqualTo(1);
        assertThat(json.get("files").asInt()).isEqualTo(2);
        assertThat(json.get("problems")).anySatisfy(p -> {
            assertThat(p.get("severity").asText()).isEqualTo("ERROR");
            assertThat(p.get("code").asText()).isEqualTo("IST0101");
            assertThat(p.get("file").asText()).isEqualTo(vs.toString());
            assertThat(p.get("line").asInt()).isEqualTo(10);
            assertThat(p.get("kind").asText()).isEqualTo("VirtualService");
            assertThat(p.get("namespace").asText()).isEqualTo("default");
            assertThat(p.get("name").asText()).isEqualTo("ratings");
            assertThat(p.get("path").asText()).isEqualTo("spec.http[0].route[0].destination.host");
            assertThat(p.get("message").asText()).isEqualTo("Referenced host not found: \"ratngs\"");
            assertThat(p.get("text").asText()).contains("[IST0101]");
        });
        assertThat(json.get("problems")).anySatisfy(p -> {
            assertThat(p.get("severity").asText()).isEqualTo("WARNING");
            assertThat(p.get("code").isNull()).as("a validation problem has no code").isTrue();
        });
        assertThat(run.err()).isEqualTo("2 errors, 1 warning in 2 files\n");
    }

    @Test
    void unknownOutputFormatIsAUsageError() throws IOException {
        Path vs = write("ratings.yaml", UNKNOWN_HOST_VS);

        CliRun run = mesh("validate", "--output", "yaml", vs.toString());

        assertThat(run.status()).isEqualTo(MeshCommand.USAGE);
        assertThat(run.err()).startsWith("mesh validate: invalid --output 'yaml': use text or json");
    }
}
