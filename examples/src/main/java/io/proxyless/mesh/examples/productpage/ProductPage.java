package io.proxyless.mesh.examples.productpage;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
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
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Bookinfo's productpage as an application that knows nothing of the mesh: plain OkHttp to
 * {@code http://reviews:9080} and a plain grpc-java channel to {@code details:9080}, with the logical names a
 * Kubernetes Service gives. It imports no mesh class; {@code java -jar demo.jar --agent} runs it in a JVM of its
 * own with {@code -javaagent:mesh-agent.jar}, on a class path without any mesh module, and the agent alone puts
 * its calls in the mesh.
 *
 * <p>{@code ProductPage PORT} serves {@code GET /productpage?u=USER} on 127.0.0.1:PORT with the same page as the
 * in-process productpage ({@code details: …}, the reviews body, or {@code details-error} / {@code reviews-error}
 * lines), and prints {@code READY PORT} once its clients are built and it listens.
 */
public final class ProductPage {
    private static final Metadata.Key<String> END_USER = Metadata.Key.of("end-user", Metadata.ASCII_STRING_MARSHALLER);
    private static final MethodDescriptor<String, String> DETAILS_GET = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("bookinfo.Details/Get")
            .setRequestMarshaller(new Utf8()).setResponseMarshaller(new Utf8()).build();

    private final OkHttpClient http;
    private final ManagedChannel details;

    private ProductPage() {
        // Built as any application builds its clients; with the agent, this is where they join the mesh.
        http = new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(10)).build();
        details = ManagedChannelBuilder.forTarget("details:9080").usePlaintext().build();
    }

    public static void main(String[] args) throws IOException {
        ProductPage app = new ProductPage();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"),
                Integer.parseInt(args[0])), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/productpage", app::serve);
        server.start();
        System.out.println("READY " + server.getAddress().getPort());
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = page(query(exchange.getRequestURI().getRawQuery(), "u")).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private String page(String user) {
        StringBuilder page = new StringBuilder();
        try {
            Metadata headers = new Metadata();
            if (user != null) {
                headers.put(END_USER, user);
            }
            String answer = ClientCalls.blockingUnaryCall(
                    ClientInterceptors.intercept(details, MetadataUtils.newAttachHeadersInterceptor(headers)),
                    DETAILS_GET, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), "0");
            page.append("details: ").append(answer).append('\n');
        } catch (StatusRuntimeException e) {
            page.append("details-error: ").append(e.getStatus().getCode()).append(' ')
                    .append(e.getStatus().getDescription()).append('\n');
        }
        Request.Builder reviews = new Request.Builder().url("http://reviews:9080/reviews/0");
        if (user != null) {
            reviews.header("end-user", user);
        }
        try (Response resp = http.newCall(reviews.build()).execute()) {
            String body = resp.body().string();
            if (resp.code() == 200) {
                page.append(body).append('\n');
            } else {
                page.append("reviews-error: HTTP ").append(resp.code()).append(' ').append(firstLine(body))
                        .append('\n');
            }
        } catch (IOException e) {
            // The application knows only IOException; with the agent, its class names what the mesh did.
            page.append("reviews-error: ").append(e.getClass().getSimpleName()).append(": ").append(e.getMessage())
                    .append('\n');
        }
        return page.toString();
    }

    private static String query(String query, String name) {
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Strings as UTF-8 bytes: the details messages, as the details server reads and writes them. */
    private static final class Utf8 implements MethodDescriptor.Marshaller<String> {
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
    }
}
