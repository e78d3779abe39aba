package io.proxyless.mesh.api.loader;

import java.util.HashMap;
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
            for (YamlNode.Entry e : map.entries().values()) {
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
}
