package io.proxyless.mesh.api.analysis;

import io.proxyless.mesh.api.Problem;
import java.util.List;

/** One of Istio's analyzers: reads all loaded config and adds its findings. */
interface Analyzer {
    void analyze(AnalysisInput input, List<Problem> findings);

    /**
     * Whether the findings depend on the time of the run ({@link AnalysisInput#now()}) as well as on the config:
     * such an analysis runs again even over config it has seen.
     */
    default boolean readsClock() {
        return false;
    }
}
