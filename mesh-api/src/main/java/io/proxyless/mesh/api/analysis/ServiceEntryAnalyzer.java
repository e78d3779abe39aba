package io.proxyless.mesh.api.analysis;

import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.ServiceEntry;
import io.proxyless.mesh.api.ServicePort;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Istio's ServiceEntry analyzers: {@code serviceentry.Analyzer} (IST0134, a TCP port, or one without protocol,
 * on an entry without {@code addresses}: a sidecar can only tell such traffic apart by destination address;
 * entries whose status lists allocated addresses are exempt) and
 * {@code serviceentry.ConflictingServiceEntryProtocolAnalyzer} (IST0177, entries visible in the same namespace
 * that give one host and port different protocols).
 */
final class ServiceEntryAnalyzer implements Analyzer {

    @Override
    public void analyze(AnalysisInput input, List<Problem> findings) {
        List<Resource<ServiceEntry>> entries = input.all(ResourceKind.SERVICE_ENTRY);
        for (Resource<ServiceEntry> r : entries) {
            ServiceEntry se = r.spec();
            if (!se.addresses().isEmpty() || input.allocatedAddresses().contains(r.describe())) {
                continue;
            }
            for (int i = 0; i < se.ports().size(); i++) {
                String protocol = se.ports().get(i).protocol();
                if (protocol == null || protocol.isEmpty() || protocol.equalsIgnoreCase("TCP")) {
                    findings.add(AnalysisMessage.SERVICE_ENTRY_ADDRESSES_REQUIRED.at(r, "spec.ports[" + i + "]",
                            "ServiceEntry addresses are required for this protocol."));
                }
            }
        }
        conflictingProtocols(entries, findings);
    }

    private record Key(String scope, String host, int port) {
    }

    private record Declared(String protocol, Resource<ServiceEntry> entry) {
    }

    private static void conflictingProtocols(List<Resource<ServiceEntry>> entries, List<Problem> findings) {
        Map<Key, List<Declared>> index = new LinkedHashMap<>();
        for (Resource<ServiceEntry> r : entries) {
            for (String scope : Analyzers.exportScopes(r.spec().exportTo(), r.namespace())) {
                for (String h : r.spec().hosts()) {
                    for (ServicePort p : r.spec().ports()) {
                        Key key = new Key(scope, h, p.number() == null ? 0 : p.number());
                        index.computeIfAbsent(key, k -> new ArrayList<>()).add(new Declared(p.protocol(), r));
                    }
                }
            }
        }
        Set<String> reported = new HashSet<>();
        for (Map.Entry<Key, List<Declared>> e : index.entrySet()) {
            Key key = e.getKey();
            List<Declared> declared = new ArrayList<>(e.getValue());
            if (!key.scope().equals("*")) {
                declared.addAll(index.getOrDefault(new Key("*", key.host(), key.port()), List.of()));
            }
            Set<String> protocols = new TreeSet<>();
            for (Declared d : declared) {
                protocols.add(d.protocol() == null ? "" : d.protocol().toUpperCase(Locale.ROOT));
            }
            if (protocols.size() < 2) {
                continue;
            }
            String names = declared.stream().map(d -> d.entry().metadata().key()).distinct().sorted()
                    .collect(Collectors.joining(", "));
            for (Declared d : declared) {
                if (reported.add(d.entry().metadata().key())) {
                    findings.add(AnalysisMessage.CONFLICTING_SERVICE_ENTRY_PROTOCOL.at(d.entry(), "metadata.name",
                            "Multiple ServiceEntries (" + names + ") define the same host " + Analyzers.quote(key.host())
                                    + " and port " + key.port() + " with conflicting protocols ("
                                    + String.join(", ", protocols) + ")."));
                }
            }
        }
    }
}
