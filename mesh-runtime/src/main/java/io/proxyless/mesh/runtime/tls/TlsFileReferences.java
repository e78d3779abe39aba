package io.proxyless.mesh.runtime.tls;

import io.proxyless.mesh.api.ClientTLSSettings.TLSmode;
import io.proxyless.mesh.api.ClientTLSSettings;
import io.proxyless.mesh.api.DestinationRule;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.Severity;
import io.proxyless.mesh.api.Subset;
import io.proxyless.mesh.api.TrafficPolicy;
import io.proxyless.mesh.api.loader.LoadedConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks the certificate files a DestinationRule's {@code tls} names ({@code caCertificates},
 * {@code clientCertificate}, {@code privateKey}) when config is applied: a missing, unreadable or invalid file is
 * a config problem with file, line, resource and field path — the config is rejected and the last good one stays
 * — instead of failing every request to the cluster later. Istio's own validation cannot do this (istiod does
 * not see the client's files); a sidecar would fail the cluster's TLS at connection time.
 *
 * <pre>{@code
 * LoadedConfig checked = TlsFileReferences.check(loader.load(paths)); // problems appended
 * }</pre>
 */
public final class TlsFileReferences {
    private TlsFileReferences() {
    }

    /** {@code loaded} with a problem appended for every bad certificate file reference. */
    public static LoadedConfig check(LoadedConfig loaded) {
        // Every reload checks again (a file may have gone): over the rules in place, not a list of them collected
        // from every resource first.
        List<Problem> found = new ArrayList<>();
        List<Resource<?>> resources = loaded.resources();
        for (int i = 0; i < resources.size(); i++) {
            if (resources.get(i).kind() == ResourceKind.DESTINATION_RULE) {
                @SuppressWarnings("unchecked")
                Resource<DestinationRule> rule = (Resource<DestinationRule>) resources.get(i);
                rule(rule, found);
            }
        }
        if (found.isEmpty()) {
            return loaded;
        }
        List<Problem> all = new ArrayList<>(loaded.problems());
        all.addAll(found);
        all.sort(Problem.BY_LOCATION);
        return new LoadedConfig(loaded.resources(), all, loaded.kubernetes());
    }

    /** One problem per bad file reference in {@code rules}. */
    public static List<Problem> problems(List<Resource<DestinationRule>> rules) {
        List<Problem> out = new ArrayList<>();
        for (Resource<DestinationRule> rule : rules) {
            rule(rule, out);
        }
        return out;
    }

    private static void rule(Resource<DestinationRule> rule, List<Problem> out) {
        DestinationRule dr = rule.spec();
        policy(rule, dr.trafficPolicy(), "spec.trafficPolicy", out);
        for (int i = 0; i < dr.subsets().size(); i++) {
            Subset subset = dr.subsets().get(i);
            policy(rule, subset.trafficPolicy(), "spec.subsets[" + i + "].trafficPolicy", out);
        }
    }

    private static void policy(Resource<DestinationRule> rule, TrafficPolicy policy, String at, List<Problem> out) {
        if (policy == null) {
            return;
        }
        if (policy.tls() != null) { // the path is written only for a rule that has TLS settings, not for all
            tls(rule, policy.tls(), at + ".tls", out);
        }
        for (int i = 0; i < policy.portLevelSettings().size(); i++) {
            tls(rule, policy.portLevelSettings().get(i).tls(), at + ".portLevelSettings[" + i + "].tls", out);
        }
    }

    private static void tls(Resource<DestinationRule> rule, ClientTLSSettings tls, String at, List<Problem> out) {
        if (tls == null || (tls.mode() != TLSmode.SIMPLE && tls.mode() != TLSmode.MUTUAL)) {
            return; // DISABLE needs no files; ISTIO_MUTUAL uses the client's workload certificates
        }
        if (!empty(tls.caCertificates())) {
            String text = read(rule, tls.caCertificates(), at + ".caCertificates", "CA certificates", out);
            if (text != null) {
                try {
                    PemReader.certificates(text);
                } catch (TlsConfigException e) {
                    out.add(rule.problem(Severity.ERROR, at + ".caCertificates", tls.caCertificates() + " holds no "
                            + "usable CA certificate (" + e.getMessage() + "); give a PEM file of CERTIFICATE blocks"));
                }
            }
        }
        if (tls.mode() != TLSmode.MUTUAL || empty(tls.clientCertificate()) || empty(tls.privateKey())) {
            return; // a MUTUAL rule without both files is a validation error already
        }
        String chain = read(rule, tls.clientCertificate(), at + ".clientCertificate", "client certificate", out);
        String key = read(rule, tls.privateKey(), at + ".privateKey", "private key", out);
        if (chain == null || key == null) {
            return;
        }
        try {
            PemReader.certificates(chain);
        } catch (TlsConfigException e) {
            out.add(rule.problem(Severity.ERROR, at + ".clientCertificate", tls.clientCertificate() + " holds no "
                    + "usable certificate chain (" + e.getMessage() + "); give a PEM file of CERTIFICATE blocks"));
            return;
        }
        try {
            PemReader.privateKey(key);
        } catch (TlsConfigException e) {
            out.add(rule.problem(Severity.ERROR, at + ".privateKey", tls.privateKey() + " holds no usable private "
                    + "key (" + e.getMessage() + "); give a PEM PRIVATE KEY (PKCS#8, or PKCS#1 RSA / SEC1 EC)"));
            return;
        }
        try {
            KeyMaterial.parse(chain, key);
        } catch (TlsConfigException e) {
            out.add(rule.problem(Severity.ERROR, at + ".privateKey", tls.privateKey() + " does not go with "
                    + tls.clientCertificate() + " (" + e.getMessage() + "); give the key of the chain's first "
                    + "certificate"));
        }
    }

    private static String read(Resource<DestinationRule> rule, String file, String path, String what,
                               List<Problem> out) {
        Path p = Path.of(file);
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            String why = Files.exists(p) ? "cannot be read (" + e.getMessage() + ")" : "does not exist";
            out.add(rule.problem(Severity.ERROR, path, what + " file " + file + " " + why + " (resolved to "
                    + p.toAbsolutePath().normalize() + "); mount the file there or fix the path"));
            return null;
        }
    }

    private static boolean empty(String s) {
        return s == null || s.isEmpty();
    }
}
