package io.proxyless.mesh.jdkhttp;

import static io.proxyless.mesh.runtime.testing.MeshYaml.endpoint;
import static io.proxyless.mesh.runtime.testing.MeshYaml.serviceEntry;
import static io.proxyless.mesh.runtime.testing.MeshYaml.subsetsV1V2;
import static io.proxyless.mesh.runtime.testing.MeshYaml.virtualService;
import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.testing.HttpUpstream;
import io.proxyless.mesh.runtime.testing.MeshYaml;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;

/**
 * The JDK HttpClient and RestClient sections of {@code docs/getting-started.md} run as written: each test below
 * holds a block's code between {@code // getting-started:} markers, runs it against real upstreams and a mesh
 * config in {@code mesh/} (this module's tests run in {@code target/getting-started}), and
 * {@link #thePageShowsTheCodeTheseTestsRun} checks that the page shows exactly that code.
 */
class GettingStartedTest {
    private static final Path BASEDIR = Path.of(System.getProperty("project.basedir", "."));
    private static final Path DOC = BASEDIR.resolve("../docs/getting-started.md");
    private static final Path SOURCE = BASEDIR.resolve("src/test/java/io/proxyless/mesh/jdkhttp/GettingStartedTest.java");

    private HttpUpstream v1;
    private HttpUpstream v2;

    @BeforeEach
    void meshConfigInMeshDirectory() throws IOException {
        v1 = HttpUpstream.start("v1");
        v2 = HttpUpstream.start("v2");
        Path dir = Files.createDirectories(Path.of("mesh/"));
        MeshYaml.write(dir,
                serviceEntry("reviews", 9080, endpoint(v1, "labels: {version: v1}"),
                        endpoint(v2, "labels: {version: v2}")),
                subsetsV1V2("reviews", ""),
                virtualService("reviews", """
                        - match: [{headers: {end-user: {exact: jason}}}]
                          route: [{destination: {host: reviews, subset: v2}}]
                        - route: [{destination: {host: reviews, subset: v1}}]
                        """));
    }

    @AfterEach
    void stop() {
        v1.close();
        v2.close();
    }

    @Test
    void theJdkHttpClientSectionRuns() throws Exception {
        // getting-started: JDK HttpClient
        Mesh mesh = Mesh.builder().configPaths(Path.of("mesh/")).namespace("default").build();
        HttpClient client = MeshHttpClient.wrap(HttpClient.newHttpClient(), mesh);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://reviews:9080/reviews/1"))
                .header("end-user", "jason")
                .build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        System.out.println(response.statusCode() + " " + response.body());   // answered by reviews v2
        // getting-started: end
        try (mesh) {
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("v2");
            assertThat(v2.hosts()).containsExactly("reviews:9080");
        }
    }

    @Test
    void theRestClientSectionRuns() throws Exception {
        // getting-started: RestClient
        Mesh mesh = Mesh.builder().configPaths(Path.of("mesh/")).namespace("default").build();
        RestClient restClient = RestClient.builder()
                .requestFactory(new JdkClientHttpRequestFactory(MeshHttpClient.wrap(HttpClient.newHttpClient(), mesh)))
                .build();
        String review = restClient.get()
                .uri("http://reviews:9080/reviews/1")
                .header("end-user", "jason")
                .retrieve()
                .body(String.class);   // answered by reviews v2
        // getting-started: end
        try (mesh) {
            assertThat(review).isEqualTo("v2");
            assertThat(v2.hosts()).containsExactly("reviews:9080");
            assertThat(v1.count()).isZero();
        }
    }

    @Test
    void thePageShowsTheCodeTheseTestsRun() throws IOException {
        List<List<String>> pageBlocks = javaBlockStatements(Files.readAllLines(DOC, StandardCharsets.UTF_8));
        List<String> source = Files.readAllLines(SOURCE, StandardCharsets.UTF_8);
        for (String section : List.of("JDK HttpClient", "RestClient")) {
            List<String> run = marked(source, section);
            assertThat(run).as("marked code for %s", section).isNotEmpty();
            assertThat(pageBlocks).as("a java block of docs/getting-started.md that is the %s test's code", section)
                    .contains(run);
        }
    }

    /** The statements of every java block of the page (imports and blank lines left out), trimmed. */
    private static List<List<String>> javaBlockStatements(List<String> doc) {
        List<List<String>> blocks = new ArrayList<>();
        for (int i = 0; i < doc.size(); i++) {
            if (!doc.get(i).equals("```java")) {
                continue;
            }
            List<String> body = new ArrayList<>();
            for (i++; i < doc.size() && !doc.get(i).startsWith("```"); i++) {
                String line = doc.get(i).trim();
                if (!line.isEmpty() && !line.startsWith("import ")) {
                    body.add(line);
                }
            }
            blocks.add(body);
        }
        return blocks;
    }

    private static List<String> marked(List<String> source, String section) {
        List<String> out = new ArrayList<>();
        boolean in = false;
        for (String line : source) {
            String t = line.trim();
            if (t.equals("// getting-started: " + section)) {
                in = true;
            } else if (t.equals("// getting-started: end")) {
                in = false;
            } else if (in && !t.isEmpty()) {
                out.add(t);
            }
        }
        return out;
    }
}
