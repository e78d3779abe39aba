package io.proxyless.mesh.api.loader;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Builds the field path → line table of one resource document, for {@link io.proxyless.mesh.api.FieldLocations}. */
final class LocationIndex {
    private LocationIndex() {
    }

    static Map<String, Integer> of(YamlNode.MapNode root) {
        Map<String, Integer> lines = new HashMap<>();
        walk(root, "", lines);
        return lines;
    }

    private static void walk(YamlNode node, String path, Map<String, Integer> lines) {
        if (node instanceof YamlNode.MapNode map) {
            for (YamlNode.Entry e : map.entries()) {
                String child = path.isEmpty() ? e.key() : path + "." + e.key();
                lines.put(child, e.keyLine());
                walk(e.value(), child, lines);
            }
        } else if (node instanceof YamlNode.ListNode list) {
            for (int i = 0; i < list.items().size(); i++) {
                String child = path + "[" + i + "]";
                lines.put(child, list.items().get(i).line());
                walk(list.items().get(i), child, lines);
            }
        }
    }

    /**
     * The document's shape without its paths spelled out: every key and list item in order with its line relative to
     * the document's, and where each map or list ends. Documents with equal outlines have equal path tables
     * ({@link #of} relative to their first lines), so a load builds the table once per outline: generated manifests
     * repeat a handful of outlines thousands of times, and the paths of every field of every document were most of
     * what locating them cost.
     */
    static Outline outline(YamlNode.MapNode root) {
        OutlineBuilder out = new OutlineBuilder(root.line());
        out.walk(root);
        return new Outline(out.steps.toArray(), Arrays.copyOf(out.lines, out.steps.size()));
    }

    /** Collects an outline's steps and relative lines (the tree is at most the reader's nesting limit deep). */
    private static final class OutlineBuilder {
        final int documentLine;
        final List<Object> steps = new ArrayList<>();
        int[] lines = new int[64];

        OutlineBuilder(int documentLine) {
            this.documentLine = documentLine;
        }

        void walk(YamlNode node) {
            if (node instanceof YamlNode.MapNode map) {
                for (YamlNode.Entry e : map.entries()) {
                    add(e.key(), e.keyLine() - documentLine);
                    walk(e.value());
                }
                add(END, 0);
            } else if (node instanceof YamlNode.ListNode list) {
                for (YamlNode item : list.items()) {
                    add(ITEM, item.line() - documentLine);
                    walk(item);
                }
                add(END, 0);
            }
        }

        private void add(Object step, int line) {
            int at = steps.size();
            if (at == lines.length) {
                lines = Arrays.copyOf(lines, at * 2);
            }
            lines[at] = line;
            steps.add(step);
        }
    }

    /** Outline steps other than a key: a list's item, and the end of a map or list. */
    private static final Object ITEM = new Object();
    private static final Object END = new Object();

    /** A document's outline: keys (or {@code ITEM}, {@code END}) in order, and each one's relative line. */
    record Outline(Object[] steps, int[] lines) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Outline other && Arrays.equals(steps, other.steps) && Arrays.equals(lines, other.lines);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(steps) + Arrays.hashCode(lines);
        }

        @Override
        public String toString() {
            return Arrays.toString(steps);
        }
    }
}
