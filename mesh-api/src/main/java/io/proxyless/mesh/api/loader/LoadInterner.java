package io.proxyless.mesh.api.loader;

import com.google.common.collect.Interner;
import io.proxyless.mesh.api.FieldLocations;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One instance per distinct value for one load: loaded resources are kept while in force, and much of their text
 * repeats (every resource of a kind has the same field paths, often the same layout, and names, hosts and settings
 * recur across resources), so the values they keep are shared. The map goes with the load: the resources keep the
 * values alive, not the interner, so nothing is held weakly or for longer than the load (a weak interner kept for
 * the loader's lifetime cost a few percent of a first load in reference bookkeeping). Safe for the threads that
 * parse one load's files side by side.
 */
final class LoadInterner implements Interner<Object> {
    private final ConcurrentHashMap<Object, Object> values = new ConcurrentHashMap<>(1 << 12);
    private final ConcurrentHashMap<LocationIndex.Outline, FieldLocations> shapes = new ConcurrentHashMap<>();

    @Override
    public Object intern(Object sample) {
        Object shared = values.get(sample);
        if (shared != null) {
            return shared;
        }
        shared = values.putIfAbsent(sample, sample);
        return shared == null ? sample : shared;
    }

    /** The one instance of string {@code s} in this load. */
    String string(String s) {
        return (String) intern(s);
    }

    /**
     * Where the fields of the resource document {@code root} were written. Its path table is built once per
     * {@linkplain LocationIndex#outline outline} in this load and shared by the documents of the same outline, which
     * only differ in the line they start at.
     */
    FieldLocations locations(YamlNode.MapNode root) {
        LocationIndex.Outline outline = LocationIndex.outline(root);
        FieldLocations first = shapes.get(outline);
        if (first == null) {
            first = new FieldLocations(root.line(), LocationIndex.of(root), this);
            FieldLocations raced = shapes.putIfAbsent(outline, first);
            return raced == null ? first : new FieldLocations(root.line(), raced);
        }
        return new FieldLocations(root.line(), first);
    }
}
