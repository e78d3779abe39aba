package io.proxyless.mesh.agent.testapp;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * gRPC steps of {@link PlainApp}, plain grpc-java: {@code grpc|HOW|N|TARGET[|header=value]} makes a channel to
 * TARGET ({@code host:port}) the way HOW says — {@code forTarget} ({@code ManagedChannelBuilder.forTarget(..)
 * .usePlaintext()}), {@code forAddress} ({@code ManagedChannelBuilder.forAddress(host, port).usePlaintext()}) or
 * {@code newChannelBuilder} ({@code Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())}) — and
 * makes N unary calls of {@code pkg.Reviews/Get}; an outcome is the reply, or {@code !} and the status code.
 */
final class GrpcSteps {
    static final MethodDescriptor.Marshaller<String> STRING = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    static final MethodDescriptor<String, String> GET = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("pkg.Reviews/Get")
            .setRequestMarshaller(STRING).setResponseMarshaller(STRING).build();

    private GrpcSteps() {
    }

    static Map<String, Integer> run(String[] step) throws InterruptedException {
        String target = step[3];
        int colon = target.lastIndexOf(':');
        ManagedChannel managed = switch (step[1]) {
            case "forTarget" -> ManagedChannelBuilder.forTarget(target).usePlaintext().build();
            case "forAddress" -> ManagedChannelBuilder.forAddress(target.substring(0, colon),
                    Integer.parseInt(target.substring(colon + 1))).usePlaintext().build();
            case "newChannelBuilder" -> Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build();
            default -> throw new IllegalArgumentException(step[1]);
        };
        Channel channel = managed;
        if (step.length > 4) {
            Metadata headers = new Metadata();
            int eq = step[4].indexOf('=');
            headers.put(Metadata.Key.of(step[4].substring(0, eq), Metadata.ASCII_STRING_MARSHALLER),
                    step[4].substring(eq + 1));
            channel = ClientInterceptors.intercept(managed, MetadataUtils.newAttachHeadersInterceptor(headers));
        }
        Map<String, Integer> outcomes = new TreeMap<>();
        int n = Integer.parseInt(step[2]);
        for (int i = 0; i < n; i++) {
            String outcome;
            try {
                outcome = ClientCalls.blockingUnaryCall(channel, GET,
                        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "hello");
            } catch (StatusRuntimeException e) {
                outcome = "!" + e.getStatus().getCode();
            }
            outcomes.merge(outcome, 1, Integer::sum);
        }
        managed.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        return outcomes;
    }
}
