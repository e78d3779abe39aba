package io.proxyless.mesh.api;

import java.util.Map;

/**
 * Where each field of one resource was written: field path (e.g. {@code spec.http[0].route}) → 1-based line.
 * Lets validation, which works on the immutable model, still point at the offending line.
 */
public record FieldLocations(int documentLine, Map<String, Integer> lines) {
    public static final FieldLocations NONE = new FieldLocations(0, Map.of());

    public FieldLocations {
        lines = Map.copyOf(lines);
    }

    /**
     * The line of {@code path}, or of its nearest written ancestor when the field itself is missing (so a
     * "required" problem points at the parent key), or the document's first line.
     */
    public int lineOf(String path) {
        String p = path;
        while (p != null && !p.isEmpty()) {
            Integer line = lines.get(p);
            if (line != null) {
                return line;
            }
            p = parent(p);
        }
        return documentLine;
    }

    /** {@code a.b[2].c} → {@code a.b[2]} → {@code a.b} → {@code a} → {@code ""}. */
    static String parent(String path) {
        int end = path.length();
        if (path.endsWith("]")) {
            int open = path.lastIndexOf('[');
            return open < 0 ? "" : path.substring(0, open);
        }
        int dot = path.lastIndexOf('.', end - 1);
        int bracket = path.lastIndexOf('[', end - 1);
        int cut = Math.max(dot, bracket);
        if (cut < 0) {
            return "";
        }
        return path.charAt(cut) == '.' ? path.substring(0, cut) : path.substring(0, cut);
    }
}
