package io.proxyless.mesh.api.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.proxyless.mesh.api.Problem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Property: whatever a typo, a bad merge or a truncated write does to a valid file, the loader answers with
 * problems (never another exception, never a hang), and a misspelt key is reported at its own line.
 */
class MutationFuzzTest {
    private static final String VALID = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
              namespace: default
            spec:
              hosts:
              - reviews
              http:
              - name: jason
                match:
                - headers:
                    end-user:
                      exact: jason
                  uri:
                    prefix: /reviews
                route:
                - destination:
                    host: reviews
                    subset: v2
                    port:
                      number: 9080
                  weight: 80
                - destination:
                    host: reviews
                    subset: v3
                  weight: 20
                timeout: 0.5s
                retries:
                  attempts: 3
                  perTryTimeout: 2s
                  retryOn: 5xx,connect-failure
                fault:
                  delay:
                    fixedDelay: 7s
                    percentage:
                      value: 100
                mirror:
                  host: reviews
                  subset: v1
                mirrorPercentage:
                  value: 50
              - route:
                - destination:
                    host: reviews
                    subset: v1
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata:
              name: reviews
            spec:
              host: reviews
              trafficPolicy:
                loadBalancer:
                  simple: ROUND_ROBIN
                connectionPool:
                  tcp:
                    maxConnections: 100
                  http:
                    http1MaxPendingRequests: 10
                outlierDetection:
                  consecutive5xxErrors: 5
                  interval: 10s
                  baseEjectionTime: 30s
              subsets:
              - name: v1
                labels:
                  version: v1
              - name: v2
                labels:
                  version: v2
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata:
              name: reviews
            spec:
              hosts:
              - reviews.default.svc.cluster.local
              ports:
              - number: 9080
                name: http
                protocol: HTTP
              resolution: STATIC
              endpoints:
              - address: 127.0.0.1
                labels:
                  version: v1
            """;

    private static final String[] JUNK = {
        "[x]", "{a: 1}", "123", "\"str\"", "null", "true", "- - -", "&a *a", "!!binary AAAA", "{", "]", ": :",
        "'unterminated", "\"unterminated", "\t", "%YAML 1.1", "? complex", "|", ">", "@", "`", "0x7fffffffffffffff",
        "99999999999999999999999", "-1", "1e400", "NaN", "\u0000", "\uFEFF"
    };

    @Test
    void randomMutationsYieldOnlyProblems() {
        for (long seed = 0; seed < 3_000; seed++) {
            Random random = new Random(seed);
            String mutated = mutate(VALID, random, 1 + random.nextInt(3));
            try {
                LoadedConfig config = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                        Duration.ofSeconds(5), () -> ConfigLoader.create().loadString("fuzz.yaml", mutated));
                assertThat(config).isNotNull();
                for (Problem p : config.problems()) {
                    assertThat(p.format()).isNotBlank();
                }
            } catch (RuntimeException | Error e) {
                if (e instanceof AssertionError && e.getMessage() != null && e.getMessage().contains("seed")) {
                    throw e;
                }
                fail("seed " + seed + " threw " + e + " for input:\n" + mutated, e);
            }
        }
    }

    @Test
    void misspeltKeyIsReportedAtItsOwnLine() {
        String[] lines = VALID.split("\n", -1);
        Pattern key = Pattern.compile("^(\\s*(?:- )?)([A-Za-z][A-Za-z0-9]*):(.*)$");
        for (long seed = 0; seed < 500; seed++) {
            Random random = new Random(seed);
            int index;
            Matcher m;
            do {
                index = random.nextInt(lines.length);
                m = key.matcher(lines[index]);
            } while (!m.matches() || lines[index].contains("apiVersion") || lines[index].contains("kind:")
                    || lines[index].trim().startsWith("end-user") || isMapKeyLine(lines, index));
            String misspelt = m.group(2) + "zz";
            String[] copy = lines.clone();
            copy[index] = m.group(1) + misspelt + ":" + m.group(3);
            String text = String.join("\n", copy);
            LoadedConfig config = ConfigLoader.create().loadString("typo.yaml", text);
            int expectedLine = index + 1;
            assertThat(config.errors())
                    .as("seed %d: renamed %s at line %d:%n%s", seed, m.group(2), expectedLine, text)
                    .anySatisfy(p -> {
                        assertThat(p.line()).isEqualTo(expectedLine);
                        assertThat(p.message()).contains("\"" + misspelt + "\"");
                    });
        }
    }

    /** Keys under free-form maps (labels, headers) are data, not field names: renaming them is no error. */
    private static boolean isMapKeyLine(String[] lines, int index) {
        int indent = indent(lines[index]);
        for (int i = index - 1; i >= 0; i--) {
            if (indent(lines[i]) < indent && !lines[i].isBlank()) {
                String parent = lines[i].trim();
                return parent.startsWith("labels:") || parent.startsWith("headers:") || parent.startsWith("metadata:");
            }
        }
        return false;
    }

    private static int indent(String line) {
        int i = 0;
        while (i < line.length() && (line.charAt(i) == ' ' || line.charAt(i) == '-')) {
            i++;
        }
        return i;
    }

    private static String mutate(String text, Random random, int times) {
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        for (int t = 0; t < times && !lines.isEmpty(); t++) {
            int i = random.nextInt(lines.size());
            String line = lines.get(i);
            switch (random.nextInt(8)) {
                case 0 -> lines.remove(i); // deleted key
                case 1 -> { // wrong type / junk value
                    int colon = line.indexOf(':');
                    String junk = JUNK[random.nextInt(JUNK.length)];
                    lines.set(i, colon >= 0 ? line.substring(0, colon + 1) + " " + junk : line + " " + junk);
                }
                case 2 -> { // truncated file
                    String joined = String.join("\n", lines);
                    return joined.substring(0, random.nextInt(joined.length() + 1));
                }
                case 3 -> lines.add(i, line); // duplicated line
                case 4 -> lines.set(i, " ".repeat(random.nextInt(5)) + line.stripLeading()); // broken indentation
                case 5 -> { // random character damage
                    if (!line.isEmpty()) {
                        int at = random.nextInt(line.length());
                        char c = (char) (32 + random.nextInt(95));
                        lines.set(i, line.substring(0, at) + c + line.substring(at + 1));
                    }
                }
                case 6 -> lines.set(i, line + JUNK[random.nextInt(JUNK.length)]);
                default -> lines.set(i, "");
            }
        }
        return String.join("\n", lines);
    }
}
