package io.proxyless.mesh.api.loader;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Reads a YAML (possibly multi-document) or JSON stream into {@link YamlNode}s with line numbers. Lines count
 * from the top of the file across documents, so a problem in the third document still names its real line.
 *
 * <p>Anchors, aliases and merge keys ({@code <<: *defaults}) are resolved as Kubernetes and Istio resolve them
 * (their YAML is read by go-yaml through {@code sigs.k8s.io/yaml}): an alias stands for a copy of the value its
 * anchor names. Expansion is bounded ({@link #MAX_ALIAS_VALUES}), so that a few lines of nested aliases (the
 * "billion laughs") cannot expand into billions of values.
 */
final class YamlReader {
    /** Nesting this deep is never Istio config; stopping here keeps hostile input from exhausting the stack. */
    private static final int MAX_DEPTH = 200;

    /**
     * Values that aliases may add to one document, counted as they are expanded. Generous for config that
     * reuses blocks (a 50-value route block reused 2,000 times), tiny next to what nested aliases can reach.
     */
    static final int MAX_ALIAS_VALUES = 100_000;

    /** YAML's merge key: the entries of the map (or maps) it names are added where the map lacks them. */
    private static final String MERGE_KEY = "<<";

    // The parsers' own limit is a backstop one level further out: their error has no line, so the tree reader
    // stops first and names the line.
    private static final StreamReadConstraints CONSTRAINTS =
            StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH + 1).build();
    private static final YAMLFactory YAML =
            new LoaderYamlParser.Factory(YAMLFactory.builder().streamReadConstraints(CONSTRAINTS));
    private static final JsonFactory JSON = JsonFactory.builder().streamReadConstraints(CONSTRAINTS).build();

    /** A syntax problem: where parsing stopped and why. Documents before it are still returned. */
    record SyntaxError(int line, String message) {
    }

    record Result(List<YamlNode> documents, SyntaxError error) {
    }

    private YamlReader() {
    }

    static Result read(String content, boolean json) {
        return read(content, json, UnaryOperator.identity());
    }

    /**
     * Like {@link #read(String, boolean)}, with every string value and key passed through {@code strings} (the loader's
     * interner: names, hosts and settings repeat across resources, and the bound records keep them).
     */
    static Result read(String content, boolean json, UnaryOperator<String> strings) {
        List<YamlNode> documents = new ArrayList<>();
        Map<Integer, String> scalarAnchors = json ? Map.of() : ScalarAnchors.of(content);
        try (JsonParser parser = (json ? JSON : YAML).createParser(content)) {
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                // Anchors belong to one document, and so does the expansion budget.
                YamlNode node = new Document(parser, scalarAnchors, strings).read(token, 0).node();
                // An empty document ("---" with nothing after it, which snakeyaml may report as null or as an
                // empty string) is not an error, just nothing to load.
                boolean empty = node instanceof YamlNode.ScalarNode s
                        && (s.isNull() || (s.type() == YamlNode.ScalarType.STRING && s.text().isEmpty()));
                if (!empty) {
                    documents.add(node);
                }
            }
            return new Result(documents, null);
        } catch (StructureException e) {
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

    /** A node and how many values it stands for (itself and everything below it, aliases expanded). */
    private record Sized(YamlNode node, long values) {
    }

    /** Builds the tree of one document: its anchors, and how much its aliases have expanded so far. */
    private static final class Document {
        private final JsonParser p;
        private final LoaderYamlParser yaml; // p when reading YAML, else null
        private final Map<Integer, String> scalarAnchors;
        private final UnaryOperator<String> strings;
        private final Map<String, Sized> anchors = new HashMap<>();
        private long aliasValues;

        Document(JsonParser parser, Map<Integer, String> scalarAnchors, UnaryOperator<String> strings) {
            this.strings = strings;
            this.p = parser;
            this.yaml = parser instanceof LoaderYamlParser y ? y : null;
            this.scalarAnchors = scalarAnchors;
        }

        /** The current token's line. */
        private int line() {
            return yaml != null ? yaml.tokenLine() : p.currentTokenLocation().getLineNr();
        }

        Sized read(JsonToken token, int depth) throws IOException {
            int line = line();
            if (yaml != null && yaml.isCurrentAlias()) {
                return alias(yaml.getText(), line);
            }
            // Read before the value: the parser moves on while a collection is read.
            String anchor = null;
            if (yaml != null) {
                if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
                    anchor = yaml.getObjectId();
                } else if (!scalarAnchors.isEmpty()) {
                    anchor = scalarAnchors.get(yaml.tokenOffset());
                }
            }
            Sized value = value(token, line, depth);
            if (anchor != null) {
                anchors.put(anchor, value); // a later anchor of the same name replaces it, as in YAML
            }
            return value;
        }

        private Sized alias(String name, int line) throws StructureException {
            Sized anchored = anchors.get(name);
            if (anchored == null) {
                throw new StructureException(line, "YAML alias *" + name + " names no anchor (&" + name
                        + ") before it in this document");
            }
            aliasValues += anchored.values();
            if (aliasValues > MAX_ALIAS_VALUES) {
                throw new StructureException(line, "YAML aliases expand to more than " + MAX_ALIAS_VALUES
                        + " values in this document");
            }
            // A scalar takes the alias's line, so a problem with it points where it is used; a collection keeps
            // the lines of its anchor, where its fields are written.
            if (anchored.node() instanceof YamlNode.ScalarNode s) {
                return new Sized(new YamlNode.ScalarNode(s.type(), s.text(), line), 1);
            }
            return anchored;
        }

        private Sized value(JsonToken token, int line, int depth) throws IOException {
            if (depth >= MAX_DEPTH && (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY)) {
                throw new StructureException(line, "nesting deeper than " + MAX_DEPTH + " levels");
            }
            switch (token) {
                case START_OBJECT:
                    return map(line, depth);
                case START_ARRAY: {
                    List<YamlNode> items = new ArrayList<>();
                    long values = 1;
                    JsonToken t;
                    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                        if (t == null) {
                            throw new StructureException(line, "invalid YAML: unterminated list");
                        }
                        Sized item = read(t, depth + 1);
                        items.add(item.node());
                        values += item.values();
                    }
                    return new Sized(new YamlNode.ListNode(items, line), values);
                }
                case VALUE_STRING:
                    return scalar(YamlNode.ScalarType.STRING, strings.apply(p.getText()), line);
                case VALUE_NUMBER_INT:
                    return scalar(YamlNode.ScalarType.INTEGER, p.getText(), line);
                case VALUE_NUMBER_FLOAT:
                    return scalar(YamlNode.ScalarType.FLOAT, p.getText(), line);
                case VALUE_TRUE:
                case VALUE_FALSE:
                    return scalar(YamlNode.ScalarType.BOOLEAN, p.getText(), line);
                case VALUE_NULL:
                    return scalar(YamlNode.ScalarType.NULL, null, line);
                default:
                    // VALUE_EMBEDDED_OBJECT (binary tags and the like) has no place in Istio config.
                    throw new StructureException(line, "invalid YAML: unsupported value " + token);
            }
        }

        private static Sized scalar(YamlNode.ScalarType type, String text, int line) {
            return new Sized(new YamlNode.ScalarNode(type, text, line), 1);
        }

        private Sized map(int line, int depth) throws IOException {
            Keys entries = new Keys();
            List<YamlNode.MapNode> merged = new ArrayList<>();
            long values = 1;
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                // Through the interner too: keys repeat in every document, and a shared key's hash is computed once.
                String key = strings.apply(p.currentName());
                int keyLine = line();
                Sized value = read(p.nextToken(), depth + 1);
                // Counted whole even where keys are overridden: the count only has to bound the work.
                values += value.values();
                if (key.equals(MERGE_KEY) && yaml != null) {
                    merged.addAll(mergedMaps(value.node(), keyLine));
                    continue;
                }
                YamlNode.Entry previous = entries.find(key);
                if (previous != null) {
                    // Istio's strict YAML rejects duplicate keys; silently keeping one would hide a mistake.
                    throw new StructureException(keyLine, "duplicate key \"" + key + "\" (first at line "
                            + previous.keyLine() + ")");
                }
                entries.add(new YamlNode.Entry(key, keyLine, value.node()));
            }
            if (t != JsonToken.END_OBJECT) {
                throw new StructureException(line, "invalid YAML: unexpected " + t);
            }
            // Keys written in the map win over merged ones, and an earlier merged map wins over a later one.
            for (YamlNode.MapNode source : merged) {
                for (YamlNode.Entry e : source.entries()) {
                    if (entries.find(e.key()) == null) {
                        entries.add(e);
                    }
                }
            }
            return new Sized(new YamlNode.MapNode(entries.list, line), values);
        }

        /**
         * A map's entries while it is read, in order: keys are found by walking the few a map of config has, or,
         * once it has more, through a hash index (so that a map of thousands of keys is not quadratic to read).
         */
        private static final class Keys {
            private static final int WALKED = 8;
            final List<YamlNode.Entry> list = new ArrayList<>(4);
            private Map<String, YamlNode.Entry> index;

            YamlNode.Entry find(String key) {
                if (index != null) {
                    return index.get(key);
                }
                for (YamlNode.Entry e : list) {
                    if (e.key().equals(key)) {
                        return e;
                    }
                }
                return null;
            }

            void add(YamlNode.Entry e) {
                list.add(e);
                if (index != null) {
                    index.put(e.key(), e);
                } else if (list.size() > WALKED) {
                    index = new HashMap<>();
                    for (YamlNode.Entry known : list) {
                        index.put(known.key(), known);
                    }
                }
            }
        }

        /** The maps a merge key names: one map, or a list of maps. */
        private static List<YamlNode.MapNode> mergedMaps(YamlNode value, int keyLine) throws StructureException {
            if (value instanceof YamlNode.MapNode map) {
                return List.of(map);
            }
            List<YamlNode.MapNode> maps = new ArrayList<>();
            if (value instanceof YamlNode.ListNode list) {
                for (YamlNode item : list.items()) {
                    if (item instanceof YamlNode.MapNode map) {
                        maps.add(map);
                    }
                }
                if (maps.size() == list.items().size()) {
                    return maps;
                }
            }
            throw new StructureException(keyLine, "the merge key << needs a map or a list of maps, got "
                    + value.describe());
        }
    }

    /** A structural problem found while building the tree (duplicate key, excessive nesting, bad alias). */
    private static final class StructureException extends IOException {
        private static final long serialVersionUID = 1L;
        final int line;

        StructureException(int line, String message) {
            super(message);
            this.line = line;
        }
    }
}
