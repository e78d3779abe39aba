package io.proxyless.mesh.api.analysis;

import io.proxyless.mesh.api.Problem;
import java.util.List;

/** One of Istio's analyzers: reads all loaded config and adds its findings. */
interface Analyzer {
    void analyze(AnalysisInput input, List<Problem> findings);
}
