package io.proxyless.mesh.agent.testapp;

import java.util.Map;

/** gRPC steps of {@link PlainApp}. */
final class GrpcSteps {
    private GrpcSteps() {
    }

    static Map<String, Integer> run(String[] step) {
        throw new UnsupportedOperationException("grpc steps");
    }
}
