package io.proxyless.mesh.runtime.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A name table finds what a plain map holds, before and after names are filed under new values. */
class NameTableTest {

    @Test
    void findsWhatAMapHoldsThroughChanges() {
        for (int size : new int[] {0, 1, 300, 5000}) {
            Random random = new Random(size);
            Map<String, Integer> expected = new HashMap<>();
            for (int i = 0; i < size; i++) {
                expected.put("svc" + i + ".default.svc.cluster.local", i);
            }
            NameTable<Integer> table = NameTable.of(expected);
            for (int step = 0; step < 20 && size > 0; step++) {
                NameTable<Integer> before = table;
                Map<String, Integer> changes = new HashMap<>();
                for (int n = random.nextInt(4); n >= 0; n--) {
                    changes.put("svc" + random.nextInt(size) + ".default.svc.cluster.local", -step);
                }
                Map<String, Integer> expectedBefore = new HashMap<>(expected);
                table = table.with(changes);
                expected.putAll(changes);
                assertThat(contents(table, size)).isEqualTo(expected);
                assertThat(contents(before, size)).as("the table changed from stays as it was")
                        .isEqualTo(expectedBefore);
            }
            assertThat(table.isEmpty()).isEqualTo(size == 0);
            assertThat(table.get("svc" + size + ".default.svc.cluster.local")).isNull();
            assertThat(table.containsKey("svc" + size + ".default.svc.cluster.local")).isFalse();
            assertThat(table.with(Map.of())).isSameAs(table);
        }
    }

    @Test
    void aNameNotInTheTableIsNotAdded() {
        NameTable<Integer> table = NameTable.of(Map.of("a", 1));
        assertThatThrownBy(() -> table.with(Map.of("b", 2))).isInstanceOf(IllegalArgumentException.class);
    }

    private static Map<String, Integer> contents(NameTable<Integer> table, int size) {
        Map<String, Integer> out = new HashMap<>();
        for (int i = 0; i < size; i++) {
            String name = "svc" + i + ".default.svc.cluster.local";
            if (table.containsKey(name)) {
                out.put(name, table.get(name));
            }
        }
        return out;
    }
}
