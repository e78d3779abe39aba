package io.proxyless.mesh.api.loader;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a YAML (possibly multi-document) or JSON stream into {@link YamlNode}s with line numbers. Lines count
 * from the top of the file across documents, so a problem in the third document still names its real line.
 */
final class YamlReader {
    /** Nesting this deep is never Istio config; stopping here keeps hostile input from exhausting the stack. */
    private static final int MAX_DEPTH = 200;

    private static final YAMLFactory YAML = YAMLFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .build();
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .build();

    /** A syntax problem: where parsing stopped and why. Documents before it are still returned. */
    record SyntaxError(int line, String message) {
    }

    record Result(List<YamlNode> documents, SyntaxError error) {
    }

    private YamlReader() {
    }

    static Result read(String content, boolean json) {
        List<YamlNode> documents = new ArrayList<>();
        try (JsonParser parser = (json ? JSON : YAML).createParser(content)) {
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                YamlNode node = readValue(parser, token, 0);
                // An empty document ("---" with nothing after it, which snakeyaml may report as null or as an
                // empty string) is not an error, just nothing to load.
                boolean empty = node instanceof YamlNode.ScalarNode s
                        && (s.isNull() || (s.type() == YamlNode.ScalarType.STRING && s.text().isEmpty()));
                if (!empty) {
                    documents.add(node);
                }
            }
            return new Result(documents, null);
        } catch (DuplicateKeyException e) {
            return new Result(documents, new SyntaxError(e.line, e.getMessage()));
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            return new Result(documents, new SyntaxError(Math.max(line, 0), "invalid " + (json ? "JSON" : "YAML")
                    + ": " + e.getOriginalMessage().lines().findFirst().orElse("syntax error")));
        } catch (IOException | RuntimeException e) {
            // snakeyaml reports some malformed input with its own unchecked exceptions; they are still syntax.
            return new Result(documents, new SyntaxError(0, "invalid " + (json ? "JSON" : "YAML") + ": "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse("syntax error")));
        }
    }

    private static YamlNode readValue(JsonParser p, JsonToken token, int depth) throws IOException {
        int line = p.currentTokenLocation().getLineNr();
        if (depth > MAX_DEPTH) {
            throw new DuplicateKeyException(line, "invalid YAML: nesting deeper than " + MAX_DEPTH + " levels");
        }
        switch (token) {
            case START_OBJECT: {
                Map<String, YamlNode.Entry> entries = new LinkedHashMap<>();
                JsonToken t;
                while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    int keyLine = p.currentTokenLocation().getLineNr();
                    YamlNode value = readValue(p, p.nextToken(), depth + 1);
                    YamlNode.Entry previous = entries.put(key, new YamlNode.Entry(key, keyLine, value));
                    if (previous != null) {
                        // Istio's strict YAML rejects duplicate keys; silently keeping one would hide a mistake.
                        throw new DuplicateKeyException(keyLine, "duplicate key \"" + key + "\" (first at line "
                                + previous.keyLine() + ")");
                    }
                }
                if (t != JsonToken.END_OBJECT) {
                    throw new DuplicateKeyException(line, "invalid YAML: unexpected " + t);
                }
                return new YamlNode.MapNode(entries, line);
            }
            case START_ARRAY: {
                List<YamlNode> items = new ArrayList<>();
                JsonToken t;
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (t == null) {
                        throw new DuplicateKeyException(line, "invalid YAML: unterminated list");
                    }
                    items.add(readValue(p, t, depth + 1));
                }
                return new YamlNode.ListNode(items, line);
            }
            case VALUE_STRING:
                return new YamlNode.ScalarNode(YamlNode.ScalarType.STRING, p.getText(), line);
            case VALUE_NUMBER_INT:
                return new YamlNode.ScalarNode(YamlNode.ScalarType.INTEGER, p.getText(), line);
            case VALUE_NUMBER_FLOAT:
                return new YamlNode.ScalarNode(YamlNode.ScalarType.FLOAT, p.getText(), line);
            case VALUE_TRUE:
            case VALUE_FALSE:
                return new YamlNode.ScalarNode(YamlNode.ScalarType.BOOLEAN, p.getText(), line);
            case VALUE_NULL:
                return new YamlNode.ScalarNode(YamlNode.ScalarType.NULL, null, line);
            default:
                // VALUE_EMBEDDED_OBJECT (binary tags and the like) has no place in Istio config.
                throw new DuplicateKeyException(line, "invalid YAML: unsupported value " + token);
        }
    }

    /** A structural problem found while building the tree (duplicate key, excessive nesting). */
    private static final class DuplicateKeyException extends IOException {
        private static final long serialVersionUID = 1L;
        final int line;

        DuplicateKeyException(int line, String message) {
            super(message);
            this.line = line;
        }
    }
}
