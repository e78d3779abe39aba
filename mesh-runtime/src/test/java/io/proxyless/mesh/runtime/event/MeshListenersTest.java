package io.proxyless.mesh.runtime.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Listeners added to a mesh after it was built see events until their registration is closed. */
class MeshListenersTest {

    private static MeshListener recording(String name, List<String> seen) {
        return new MeshListener() {
            @Override
            public void callFinished(CallView call) {
                seen.add(name);
            }
        };
    }

    @Test
    void addedListenersAreCalledInOrderAfterTheBuildersUntilClosed() {
        List<String> seen = new ArrayList<>();
        MeshListeners listeners = new MeshListeners(recording("builder", seen));
        MeshListeners.Registration metrics = listeners.add(recording("metrics", seen));
        MeshListeners.Registration traces = listeners.add(recording("traces", seen));

        listeners.callFinished(null);
        assertThat(seen).containsExactly("builder", "metrics", "traces");

        metrics.close();
        metrics.close(); // closing twice does nothing
        seen.clear();
        listeners.callFinished(null);
        assertThat(seen).containsExactly("builder", "traces");
        assertThat(listeners.size()).isEqualTo(2);
        traces.close();
        assertThat(listeners.size()).isEqualTo(1);
    }

    @Test
    void noBuilderListenerStartsEmpty() {
        MeshListeners listeners = new MeshListeners(MeshListener.NONE);
        assertThat(listeners.size()).isZero();
        listeners.callFinished(null); // nothing to call
        List<String> seen = new ArrayList<>();
        try (MeshListeners.Registration r = listeners.add(recording("late", seen))) {
            listeners.callFinished(null);
        }
        listeners.callFinished(null);
        assertThat(seen).containsExactly("late");
    }
}
