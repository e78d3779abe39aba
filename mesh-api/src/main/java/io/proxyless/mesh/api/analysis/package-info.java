/**
 * Istio's cross-resource analyses of networking config, the checks {@code istioctl analyze} runs: each finding
 * is a {@link io.proxyless.mesh.api.Problem} with Istio's message code ({@link AnalysisMessage}), its severity and
 * the line of the offending field. Findings describe config Istio accepts, so they never keep config from being
 * applied; {@code mesh validate} reports them and fails on errors (on warnings too with {@code --strict}).
 *
 * <p>One class per Istio analyzer, named after it; {@link Analyzers} runs them all.
 */
package io.proxyless.mesh.api.analysis;
