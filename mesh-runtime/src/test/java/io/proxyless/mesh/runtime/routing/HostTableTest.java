package io.proxyless.mesh.runtime.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HostTableTest {

    @Test
    void aPatchedTableFindsWhatATableBuiltWholeFinds() {
        Random random = new Random(17);
        Map<String, HostEntry> names = new HashMap<>();
        for (int i = 0; i < 5000; i++) {
            names.put("svc" + i + ".default.svc.cluster.local", entry("svc" + i, "v0"));
        }
        HostTable table = new HostTable(names, List.of(), null);
        for (int round = 1; round <= 20; round++) {
            Map<String, HostEntry> changes = new HashMap<>();
            for (int k = 0; k < 1 + random.nextInt(5); k++) {
                String name = "svc" + random.nextInt(6000) + ".default.svc.cluster.local";
                changes.put(name, entry(name, "v" + round));
            }
            names.putAll(changes);
            table = table.withExact(changes);
            HostTable whole = new HostTable(names, List.of(), null);
            for (int i = 0; i < 6000; i++) {
                String name = "svc" + i + ".default.svc.cluster.local";
                assertThat(table.exact(name)).as(name).isSameAs(whole.exact(name)).isSameAs(names.get(name));
            }
            assertThat(table.exactEntries()).hasSameSizeAs(names.values());
        }
    }

    @Test
    void anUnchangedTableIsItself() {
        HostTable table = new HostTable(Map.of("a", entry("a", "v")), List.of(), null);
        assertThat(table.withExact(Map.of())).isSameAs(table);
    }

    private static HostEntry entry(String host, String origin) {
        return new HostEntry(host, List.of(), origin);
    }
}
