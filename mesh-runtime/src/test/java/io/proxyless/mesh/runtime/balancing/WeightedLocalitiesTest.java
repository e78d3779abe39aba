package io.proxyless.mesh.runtime.balancing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.proxyless.mesh.runtime.registry.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class WeightedLocalitiesTest {

    private static List<Endpoint> locality(String name, int count) {
        List<Endpoint> out = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            out.add(new Endpoint("10." + name.length() + "." + name.hashCode() % 200 + "." + i, 80, Map.of(), name, 1,
                    "", null));
        }
        return out;
    }

    @Test
    void aLocalitysEffectiveWeightIsItsShareTimesItsAvailabilityTimesTheFactorAtMostOne() {
        List<Endpoint> a = locality("r/a", 4);
        List<Endpoint> b = locality("r/b", 4);
        Predicate<Endpoint> twoOfAEjected = Set.of(a.get(0), a.get(1))::contains;
        WeightedLocalities all = new WeightedLocalities(List.of(a, b), new double[] {1, 3}, 1.4, new int[2]);
        assertThat(all.effectiveWeights(e -> false)).containsExactly(1, 3);
        assertThat(all.effectiveWeights(twoOfAEjected)[0]).isCloseTo(0.7, within(1e-9));
        assertThat(all.effectiveWeights(Set.of(a.get(0))::contains)[0]).as("3 of 4 × 1.4 ≥ 1").isEqualTo(1);
        assertThat(all.effectiveWeights(a::contains)[0]).isZero();
        // Four more of a's endpoints left out for their health status: weight 2 came compiled as 2 × 1.4 × 4/8 =
        // 1.4; with 2 of the 4 ejected, Envoy's effective weight is 2 × 1.4 × 2/8 = 0.7.
        WeightedLocalities leftOut = new WeightedLocalities(List.of(a, b), new double[] {1.4, 3}, 1.4,
                new int[] {4, 0});
        assertThat(leftOut.effectiveWeights(e -> false)[0]).isCloseTo(1.4, within(1e-9));
        assertThat(leftOut.effectiveWeights(twoOfAEjected)[0]).isCloseTo(0.7, within(1e-9));
        // One left out (share compiled at full weight 2, 1.4 × 4/5 ≥ 1), 2 ejected: 2 × 1.4 × 2/5 = 1.12.
        WeightedLocalities oneLeftOut = new WeightedLocalities(List.of(a, b), new double[] {2, 3}, 1.4,
                new int[] {1, 0});
        assertThat(oneLeftOut.effectiveWeights(twoOfAEjected)[0]).isCloseTo(1.12, within(1e-9));
        // Unknown split: the share is scaled by the endpoints still in service.
        WeightedLocalities unknown = new WeightedLocalities(List.of(a, b), new double[] {1, 3}, 1.4,
                new int[] {-1, -1});
        assertThat(unknown.effectiveWeights(twoOfAEjected)[0]).isCloseTo(0.5, within(1e-9));
    }

    @Test
    void choosesByEffectiveWeightAndKeepsTheRemainingListsWhileTheEjectionEpochStays() {
        List<Endpoint> a = locality("r/a", 4);
        List<Endpoint> b = locality("r/b", 4);
        WeightedLocalities localities = new WeightedLocalities(List.of(a, b), new double[] {1, 1}, 1.4, new int[2]);
        Predicate<Endpoint> twoOfAEjected = Set.of(a.get(0), a.get(1))::contains;
        Random random = new Random(3);
        int toA = 0;
        List<Endpoint> firstA = null;
        for (int i = 0; i < 20_000; i++) {
            List<Endpoint> chosen = localities.choose(1, twoOfAEjected, random);
            if (chosen.contains(a.get(2))) {
                assertThat(chosen).containsExactly(a.get(2), a.get(3));
                if (firstA == null) {
                    firstA = chosen;
                }
                assertThat(chosen).as("derived once per epoch").isSameAs(firstA);
                toA++;
            } else {
                assertThat(chosen).containsExactlyElementsOf(b);
            }
        }
        assertThat(toA / 20_000.0).isCloseTo(0.7 / 1.7, within(0.02));
        // A new epoch (the endpoints are back): the availability is worked out again.
        assertThat(localities.choose(2, e -> false, new Random(1))).hasSize(4);
        assertThat(localities.choose(3, a::contains, new Random(1))).containsExactlyElementsOf(b);
        assertThat(WeightedLocalities.NONE.applies()).isFalse();
        assertThat(localities.applies()).isTrue();
    }
}
