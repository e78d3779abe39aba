package io.proxyless.mesh.okhttp;

import com.google.common.base.Splitter;
import com.google.common.primitives.Ints;
import java.io.IOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.Dns;
import okhttp3.Interceptor;

/**
 * The OkHttp on the application's class path, looked at once when a {@link MeshInterceptor} is built: which
 * {@link AttemptTransport} carries out attempts on it, or why none can. OkHttp 5.4+ routes an attempt on the
 * interceptor chain; OkHttp 4.12 through derived clients; anything else fails with the version found and what to
 * change, instead of a {@code NoSuchMethodError} at the first request.
 *
 * @param version      {@code okhttp3.OkHttp.VERSION}, or {@code "unknown"} (OkHttp 3 has no such constant)
 * @param chainRouting whether {@link Interceptor.Chain} can change DNS, TLS and hostname verification per call
 * @param callClient   whether the chain's call exposes its client ({@code okhttp3.internal.connection.RealCall})
 * @param copies       where OkHttp's classes were found, when more than one jar holds them
 */
record OkHttpVersion(String version, boolean chainRouting, boolean callClient, List<String> copies) {
    static final String ADVICE = "mesh-okhttp runs on OkHttp 4.12 (com.squareup.okhttp3:okhttp:4.12.0) or 5.4 and "
            + "newer (com.squareup.okhttp3:okhttp-jvm under Maven) and brings none itself: declare exactly one of "
            + "them in the application (see docs/getting-started.md)";

    /** What this JVM has. */
    static OkHttpVersion detect() {
        return new OkHttpVersion(versionConstant(), hasChainRouting(), hasCallClient(), copiesOnClassPath());
    }

    /** The transport for this OkHttp; throws {@link IllegalStateException} naming the version and the remedy. */
    AttemptTransport transport(Interceptor mesh) {
        if (copies.size() > 1) {
            throw new IllegalStateException("OkHttp is on the class path more than once (" + String.join(", ", copies)
                    + "); OkHttp " + version + " was loaded first, and the copies' classes mix at run time. Keep one:"
                    + " an application on OkHttp 4 excludes com.squareup.okhttp3:okhttp-jvm wherever a dependency"
                    + " brings it. " + ADVICE);
        }
        if (chainRouting) {
            return new ChainTransport();
        }
        int[] mm = majorMinor(version);
        if (mm != null && mm[0] == 4 && mm[1] >= 12 && callClient) {
            return new DerivedClientTransport(mesh);
        }
        String why = mm != null && mm[0] == 5
                ? "its Interceptor.Chain cannot set a call's DNS and TLS (withDns arrived in 5.4)"
                : "it is older than the OkHttp 4.12 the mesh is tested with";
        throw new IllegalStateException("mesh-okhttp cannot run on OkHttp " + version + " found on the class path: "
                + why + ". Upgrade OkHttp to 4.12.0 or to 5.4 or newer. " + ADVICE);
    }

    /** Which line this is, for logs and messages. */
    String describe() {
        return "OkHttp " + version + (chainRouting ? " (per-call routing on the chain)" : " (derived clients)");
    }

    static int[] majorMinor(String version) {
        List<String> parts = Splitter.on('.').limit(3).splitToList(version);
        Integer major = Ints.tryParse(parts.get(0));
        Integer minor = parts.size() > 1 ? Ints.tryParse(parts.get(1)) : null;
        return major == null || minor == null ? null : new int[] {major, minor};
    }

    private static String versionConstant() {
        try {
            // Read reflectively: the constant would otherwise be inlined from the OkHttp the mesh was compiled with.
            Object v = Class.forName("okhttp3.OkHttp").getField("VERSION").get(null);
            return String.valueOf(v);
        } catch (ReflectiveOperationException | LinkageError e) {
            return "unknown (older than 4)";
        }
    }

    private static boolean hasChainRouting() {
        try {
            Interceptor.Chain.class.getMethod("getDns");
            Interceptor.Chain.class.getMethod("withDns", Dns.class);
            Interceptor.Chain.class.getMethod("withSslSocketFactory", SSLSocketFactory.class, X509TrustManager.class);
            Interceptor.Chain.class.getMethod("withHostnameVerifier", HostnameVerifier.class);
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    private static boolean hasCallClient() {
        try {
            Class.forName("okhttp3.internal.connection.RealCall").getMethod("getClient");
            return true;
        } catch (ReflectiveOperationException | LinkageError e) {
            return false;
        }
    }

    /** The jars holding {@code okhttp3/OkHttpClient.class}, when there is more than one. */
    private static List<String> copiesOnClassPath() {
        ClassLoader loader = Interceptor.class.getClassLoader();
        if (loader == null) {
            return List.of();
        }
        List<String> found = new ArrayList<>();
        try {
            for (URL url : Collections.list(loader.getResources("okhttp3/OkHttpClient.class"))) {
                found.add(jarOf(url));
            }
        } catch (IOException e) {
            return List.of();
        }
        return found.size() > 1 ? List.copyOf(found) : List.of();
    }

    private static String jarOf(URL url) {
        String s = url.toString();
        int bang = s.indexOf("!/");
        return bang > 0 ? s.substring(s.lastIndexOf('/', bang) + 1, bang) : s;
    }
}
