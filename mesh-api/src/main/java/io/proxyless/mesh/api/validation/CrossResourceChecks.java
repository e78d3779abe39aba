package io.proxyless.mesh.api.validation;

import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks that look across resources, reported as warnings the way {@code istioctl analyze} does: the config is
 * valid for Istio, but probably not what the author meant.
 */
public final class CrossResourceChecks {
    private CrossResourceChecks() {
    }

    public static List<Problem> check(List<Resource<?>> resources) {
        List<Problem> problems = new ArrayList<>();
        return problems;
    }
}
