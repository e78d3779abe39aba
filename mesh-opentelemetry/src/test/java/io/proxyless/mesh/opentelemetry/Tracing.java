package io.proxyless.mesh.opentelemetry;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.proxyless.mesh.runtime.testing.Await;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/** The SDK recording into its in-memory exporter, and the span tree of one call read back from it. */
final class Tracing implements AutoCloseable {
    static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");

    final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    final SdkTracerProvider provider = SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
    final OpenTelemetry otel = OpenTelemetrySdk.builder().setTracerProvider(provider).build();

    /** One call's spans once its call span ended (the engine ends a call after the application has its result). */
    Tree call() {
        Await.until("a call span", () -> exporter.getFinishedSpanItems().stream().anyMatch(Tracing::isCall));
        List<SpanData> spans = exporter.getFinishedSpanItems();
        SpanData call = spans.stream().filter(Tracing::isCall).findFirst().orElseThrow();
        List<SpanData> attempts = spans.stream()
                .filter(s -> s.getParentSpanId().equals(call.getSpanId()))
                .sorted(Comparator.comparing(s -> s.getAttributes().get(MeshAttributes.ATTEMPT)))
                .toList();
        return new Tree(call, attempts, spans);
    }

    private static boolean isCall(SpanData s) {
        return s.getKind() == SpanKind.CLIENT && s.getAttributes().get(MeshAttributes.ATTEMPT) == null;
    }

    /** A call span, its attempt spans in order, and every span recorded. */
    record Tree(SpanData call, List<SpanData> attempts, List<SpanData> all) {
    }

    /** The {@code traceparent} a request carries for {@code span}. */
    static String traceparent(SpanData span) {
        return "00-" + span.getTraceId() + "-" + span.getSpanId() + "-"
                + span.getSpanContext().getTraceFlags().asHex();
    }

    @Override
    public void close() {
        provider.close();
    }
}
