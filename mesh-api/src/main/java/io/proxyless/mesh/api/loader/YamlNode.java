package io.proxyless.mesh.api.loader;

import java.util.List;

/**
 * A parsed YAML/JSON value that remembers the line it was written on. The loader binds the model from these
 * nodes (not from Jackson's own tree) so that every problem, even a missing field, can name its line.
 */
sealed interface YamlNode permits YamlNode.MapNode, YamlNode.ListNode, YamlNode.ScalarNode {

    /** 1-based line where the value starts. */
    int line();

    /** Short name of the node's type for messages: "a map", "a list", "a string", … */
    String describe();

    /** A key with the line the key itself is on (which is what an error should point at). */
    record Entry(String key, int keyLine, YamlNode value) {
    }

    /**
     * A map: its entries in the order written, keys unique (the reader rejects duplicates). A list rather than a
     * hash map: most maps of config hold a handful of keys, which the binder walks in order and the loader looks up a
     * few of, and a linked hash map's table and entries per map were a good part of what reading allocated.
     */
    record MapNode(List<Entry> entries, int line) implements YamlNode {
        @Override
        public String describe() {
            return "a map";
        }

        /** The entry of {@code key}, or null. */
        Entry entry(String key) {
            for (Entry e : entries) {
                if (e.key().equals(key)) {
                    return e;
                }
            }
            return null;
        }

        YamlNode get(String key) {
            Entry e = entry(key);
            return e == null ? null : e.value();
        }
    }

    record ListNode(List<YamlNode> items, int line) implements YamlNode {
        @Override
        public String describe() {
            return "a list";
        }
    }

    /** A scalar; {@code text} is null for YAML null ({@code ~}, empty value). */
    record ScalarNode(ScalarType type, String text, int line) implements YamlNode {
        @Override
        public String describe() {
            return switch (type) {
                case STRING -> "the string \"" + abbreviate(text) + "\"";
                case INTEGER, FLOAT -> "the number " + abbreviate(text);
                case BOOLEAN -> "the boolean " + text;
                case NULL -> "null";
            };
        }

        boolean isNull() {
            return type == ScalarType.NULL;
        }

        private static String abbreviate(String s) {
            return s.length() > 40 ? s.substring(0, 37) + "..." : s;
        }
    }

    enum ScalarType { STRING, INTEGER, FLOAT, BOOLEAN, NULL }
}
