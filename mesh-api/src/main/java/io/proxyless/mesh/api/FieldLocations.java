package io.proxyless.mesh.api;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.Interner;
import java.util.Arrays;
import java.util.Map;

/**
 * Where each field of one resource was written: field path (e.g. {@code spec.http[0].route}) → 1-based line.
 * Lets validation, which works on the immutable model, still point at the offending line.
 *
 * <p>A loaded resource keeps its locations for as long as it is in force (problems found later, on reload or by
 * {@code mesh validate}, still name their line), so they are held compactly: the paths sorted in one array and the
 * lines, relative to the document's, in an {@code int[]}, both shared by the resources written in the same shape —
 * rather than a map of boxed lines per resource, which at 10,000 services was most of the config's heap.
 */
public final class FieldLocations {
    public static final FieldLocations NONE = new FieldLocations(0, Map.of());

    private final int documentLine;
    private final Shape shape;

    /** {@code lines}: field path → line; {@code documentLine}: the line the resource's document starts at. */
    public FieldLocations(int documentLine, Map<String, Integer> lines) {
        this(documentLine, lines, null);
    }

    /**
     * Like {@link #FieldLocations(int, Map)}, sharing through {@code shared} (the loader's interner) the path
     * strings and the table of paths and relative lines with every other resource written in the same shape.
     */
    public FieldLocations(int documentLine, Map<String, Integer> lines, Interner<Object> shared) {
        this.documentLine = documentLine;
        String[] paths = lines.keySet().toArray(new String[0]);
        Arrays.sort(paths);
        int[] offsets = new int[paths.length];
        for (int i = 0; i < paths.length; i++) {
            offsets[i] = lines.get(paths[i]) - documentLine;
            if (shared != null) {
                paths[i] = (String) shared.intern(paths[i]);
            }
        }
        Shape own = new Shape(paths, offsets);
        this.shape = shared == null ? own : (Shape) shared.intern(own);
    }

    /**
     * The locations of a document written in the same shape as {@code sameShape}'s (the same fields on the same lines
     * relative to its first), starting at {@code documentLine}: the two share one table of paths and lines.
     */
    public FieldLocations(int documentLine, FieldLocations sameShape) {
        this.documentLine = documentLine;
        this.shape = sameShape.shape;
    }

    /**
     * The written paths, sorted, and each one's line relative to the document's: documents of the same shape
     * (the same fields on the same relative lines, as generated manifests often are) share one.
     */
    private record Shape(String[] paths, int[] offsets) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Shape other && Arrays.equals(paths, other.paths)
                    && Arrays.equals(offsets, other.offsets);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(paths) + Arrays.hashCode(offsets);
        }

        @Override
        public String toString() {
            return Arrays.toString(paths);
        }
    }

    /** The line the resource's document starts at. */
    public int documentLine() {
        return documentLine;
    }

    /** Every written field's line, by path (a copy: for tests and tools, not for lookups). */
    public Map<String, Integer> lines() {
        ImmutableMap.Builder<String, Integer> out = ImmutableMap.builderWithExpectedSize(shape.paths.length);
        for (int i = 0; i < shape.paths.length; i++) {
            out.put(shape.paths[i], documentLine + shape.offsets[i]);
        }
        return out.build();
    }

    /** True when {@code path} itself was written (even as an empty list or map). */
    public boolean written(String path) {
        return Arrays.binarySearch(shape.paths, path) >= 0;
    }

    /**
     * The line of {@code path}, or of its nearest written ancestor when the field itself is missing (so a
     * "required" problem points at the parent key), or the document's first line.
     */
    public int lineOf(String path) {
        String p = path;
        while (p != null && !p.isEmpty()) {
            int i = Arrays.binarySearch(shape.paths, p);
            if (i >= 0) {
                return documentLine + shape.offsets[i];
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
        return path.substring(0, cut);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FieldLocations other && documentLine == other.documentLine && shape.equals(other.shape);
    }

    @Override
    public int hashCode() {
        return 31 * documentLine + shape.hashCode();
    }

    @Override
    public String toString() {
        return "FieldLocations[documentLine=" + documentLine + ", lines=" + lines() + "]";
    }
}
