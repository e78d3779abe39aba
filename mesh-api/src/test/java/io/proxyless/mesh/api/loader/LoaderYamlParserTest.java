package io.proxyless.mesh.api.loader;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.resolver.Resolver;

class LoaderYamlParserTest {
    private static final Resolver RESOLVER = new Resolver();

    /** The shortcut only ever answers "string" where the resolver's expressions answer it too. */
    @Test
    void plainStringsAreWhatTheResolverTypesAsStrings() {
        List<String> samples = new ArrayList<>(List.of("svc1", "10.1.2.3", "10.1.2", "1.5", "1.", "1..", "0.0.0.0",
                "9080", "0x1F", "1_000", "1:30", "1:30.5", "2001-12-14", "2001-12-14t21:59:43.10-05:00", ".inf",
                ".5", "-1", "+1", "~", "null", "Null", "yes", "on", "Off", "y", "n", "true", "<<", "=", "HTTP",
                "MESH_INTERNAL", "networking.istio.io/v1", "1.2.3.4.5", "1.2.e3", "1.2.3e4", "0.1.2", "00.1.2",
                "1e3", "1.e3", "10.0.0.1/8", "2s", "100ms", "*.example.com", "!x", "&a", "a b", " ", "\t"));
        String alphabet = "0123456789._:-+eExXbo ~nNyYtTfF<=!&*/aZ";
        Random random = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            StringBuilder s = new StringBuilder();
            int length = 1 + random.nextInt(12);
            for (int j = 0; j < length; j++) {
                s.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            samples.add(s.toString());
        }
        for (String value : samples) {
            if (LoaderYamlParser.plainString(value)) {
                assertThat(RESOLVER.resolve(NodeId.scalar, value, true)).as("seed 7: \"%s\"", value)
                        .isEqualTo(Tag.STR);
            }
        }
        assertThat(LoaderYamlParser.plainString("10.1.2.3")).isTrue();
        assertThat(LoaderYamlParser.plainString("svc1.default.svc.cluster.local")).isTrue();
    }

    /** Every scalar gets the token and text Jackson's own parser gives it, and every token the same line. */
    @Test
    void tokensTextsAndLinesAreJacksonsOwn() throws Exception {
        String yaml = """
                a: 10.1.2.3
                b: [1, 1.5, 0x10, true, yes, ~, null, "", '', 2001-12-14, svc1, "9080", 9080]
                c: {d: .inf, e: 1:30, f: -1, g: <<, h: n, i: =}
                ---
                - x
                - 10.1.2.3.4
                - !!str 42
                - ! 42
                """;
        YAMLFactory plain = YAMLFactory.builder().build();
        YAMLFactory ours = new LoaderYamlParser.Factory(YAMLFactory.builder());
        try (JsonParser expected = plain.createParser(yaml);
             LoaderYamlParser actual = (LoaderYamlParser) ours.createParser(yaml)) {
            JsonToken token;
            while ((token = expected.nextToken()) != null) {
                assertThat(actual.nextToken()).isEqualTo(token);
                assertThat(actual.getText()).isEqualTo(expected.getText());
                assertThat(actual.tokenLine()).isEqualTo(expected.currentTokenLocation().getLineNr());
                assertThat((long) actual.tokenOffset()).isEqualTo(expected.currentTokenLocation().getCharOffset());
            }
            assertThat(actual.nextToken()).isNull();
        }
    }

    /** A syntax error is reported at the same line with the same first line of message as Jackson's own parser. */
    @Test
    void syntaxErrorsAreJacksonsOwn() throws Exception {
        YAMLFactory plain = YAMLFactory.builder().build();
        YAMLFactory ours = new LoaderYamlParser.Factory(YAMLFactory.builder());
        for (String bad : List.of("a: [1, 2\nb: 3\n", "a: b: c\n", "a:\n  - x\n y: z\n", "{a: 1\n", "a: \"x\n",
                "- a\nb: c\n", "a: *nope\n", "key: value\n\tbad: tab\n")) {
            assertThat(failure(ours, bad)).as(bad).isEqualTo(failure(plain, bad));
        }
    }

    private static String failure(YAMLFactory factory, String yaml) {
        try (JsonParser parser = factory.createParser(yaml)) {
            while (parser.nextToken() != null) {
                parser.getText();
            }
            return "none";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return e.getLocation().getLineNr() + ": " + e.getOriginalMessage().lines().findFirst().orElse("");
        } catch (Exception e) {
            return e.getClass().getName() + ": " + String.valueOf(e.getMessage()).lines().findFirst().orElse("");
        }
    }
}
