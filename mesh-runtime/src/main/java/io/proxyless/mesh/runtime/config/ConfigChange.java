package io.proxyless.mesh.runtime.config;

import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a new config changes against the one in force, resource by resource ({@code VirtualService default/reviews}),
 * so that a reload log says what happened instead of only that something did. A resource counts as changed when
 * its API version, metadata or spec differ; moving it to another line or file does not change it.
 *
 * @param added   resources in the new config only, as {@code Kind namespace/name}
 * @param changed resources in both whose content differs
 * @param removed resources in the old config only
 */
public record ConfigChange(List<String> added, List<String> changed, List<String> removed) {
    /** How many names of each list {@link #summary()} spells out before it only counts. */
    static final int NAMES_SHOWN = 10;

    public ConfigChange {
        added = List.copyOf(added);
        changed = List.copyOf(changed);
        removed = List.copyOf(removed);
    }

    /** The change from {@code before} to {@code after}; of duplicates the first loaded counts, as in the engine. */
    public static ConfigChange between(List<Resource<?>> before, List<Resource<?>> after) {
        ConfigChange inPlace = before.size() == after.size() ? inPlace(before, after) : null;
        if (inPlace != null) {
            return inPlace;
        }
        Map<Name, Resource<?>> old = byName(before);
        Map<Name, Resource<?>> next = byName(after);
        List<String> added = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        next.forEach((name, r) -> {
            Resource<?> was = old.get(name);
            if (was == null) {
                added.add(r.describe());
            } else if (was != r && !sameContent(was, r)) {
                changed.add(r.describe());
            }
        });
        old.forEach((name, r) -> {
            if (!next.containsKey(name)) {
                removed.add(r.describe());
            }
        });
        return new ConfigChange(added, changed, removed);
    }

    /**
     * The change when both lists name the same resources at the same positions (resources edited in place, the
     * usual reload): found by walking them in step, where the resources of unchanged files are the very objects
     * they were, with no map of every resource. Null when a name differs somewhere, or when an edited resource's
     * name appears twice (then only the first counts: the maps decide).
     */
    private static ConfigChange inPlace(List<Resource<?>> before, List<Resource<?>> after) {
        List<Integer> edited = new ArrayList<>();
        for (int i = 0; i < after.size(); i++) {
            Resource<?> a = after.get(i);
            Resource<?> b = before.get(i);
            if (a == b) {
                continue;
            }
            if (a.kind() != b.kind() || !Objects.equals(a.namespace(), b.namespace())
                    || !Objects.equals(a.name(), b.name())) {
                return null;
            }
            if (!sameContent(b, a)) {
                edited.add(i);
            }
        }
        if (edited.isEmpty()) {
            return new ConfigChange(List.of(), List.of(), List.of());
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        edited.forEach(i -> names.add(after.get(i).name()));
        for (int i = 0; i < after.size(); i++) {
            Resource<?> r = after.get(i);
            if (names.contains(r.name()) && !edited.contains(i)) {
                for (int e : edited) {
                    Resource<?> x = after.get(e);
                    if (x.kind() == r.kind() && Objects.equals(x.namespace(), r.namespace())) {
                        return null;
                    }
                }
            }
        }
        List<String> changed = new ArrayList<>(edited.size());
        edited.forEach(i -> changed.add(after.get(i).describe()));
        return new ConfigChange(List.of(), changed, List.of());
    }

    /** Nothing added, changed or removed. */
    public boolean isEmpty() {
        return added.isEmpty() && changed.isEmpty() && removed.isEmpty();
    }

    /**
     * One line for a log: {@code added VirtualService default/reviews; removed DestinationRule default/reviews}, the
     * first {@value #NAMES_SHOWN} names of each list and a count of the rest; {@code no resource changed} when empty.
     */
    public String summary() {
        if (isEmpty()) {
            return "no resource changed";
        }
        List<String> parts = new ArrayList<>(3);
        part(parts, "added", added);
        part(parts, "changed", changed);
        part(parts, "removed", removed);
        return String.join("; ", parts);
    }

    private static void part(List<String> parts, String verb, List<String> names) {
        if (names.isEmpty()) {
            return;
        }
        String shown = String.join(", ", names.subList(0, Math.min(NAMES_SHOWN, names.size())));
        int more = names.size() - NAMES_SHOWN;
        parts.add(verb + " " + shown + (more > 0 ? " and " + more + " more" : ""));
    }

    /**
     * What {@code Kind namespace/name} says, without building that string for every resource of a reload (names
     * cannot hold a slash, so equal names are equal descriptions).
     */
    private record Name(ResourceKind kind, String namespace, String name) {
    }

    private static Map<Name, Resource<?>> byName(List<Resource<?>> resources) {
        Map<Name, Resource<?>> byName = new LinkedHashMap<>(resources.size() * 4 / 3 + 1);
        for (Resource<?> r : resources) {
            byName.putIfAbsent(new Name(r.kind(), r.namespace(), r.name()), r);
        }
        return byName;
    }

    private static boolean sameContent(Resource<?> a, Resource<?> b) {
        return Objects.equals(a.apiVersion(), b.apiVersion()) && Objects.equals(a.metadata(), b.metadata())
                && Objects.equals(a.spec(), b.spec());
    }
}
