package io.proxyless.mesh.runtime.call;

import static io.proxyless.mesh.runtime.call.CallFixture.WEB;
import static io.proxyless.mesh.runtime.call.CallFixture.get;
import static io.proxyless.mesh.runtime.call.CallFixture.mesh;
import static io.proxyless.mesh.runtime.call.CallFixture.virtualService;
import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.Headers.HeaderOperations;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.routing.HeaderOps;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeaderMutationsTest {
    @TempDir
    Path dir;

    /** Records operations in order and keeps a header map with HTTP's semantics. */
    static final class Recorder implements HeaderSink {
        final List<String> log = new ArrayList<>();
        final Map<String, List<String>> headers = new LinkedHashMap<>();

        Recorder with(String name, String value) {
            headers.computeIfAbsent(name.toLowerCase(), k -> new ArrayList<>()).add(value);
            return this;
        }

        @Override
        public void set(String name, String value) {
            log.add("set " + name + "=" + value);
            headers.put(name.toLowerCase(), new ArrayList<>(List.of(value)));
        }

        @Override
        public void add(String name, String value) {
            log.add("add " + name + "=" + value);
            headers.computeIfAbsent(name.toLowerCase(), k -> new ArrayList<>()).add(value);
        }

        @Override
        public void remove(String name) {
            log.add("remove " + name);
            headers.remove(name.toLowerCase());
        }
    }

    @Test
    void removalsComeFirstThenSortedSetsThenSortedAdds() {
        Map<String, String> set = new LinkedHashMap<>();
        set.put("x-b", "1");
        set.put("x-a", "2");
        Map<String, String> add = new LinkedHashMap<>();
        add.put("x-d", "3");
        add.put("x-c", "4");
        Recorder r = new Recorder();
        HeaderMutations.apply(HeaderOps.compile(new HeaderOperations(set, add, List.of("x-gone"))), r);
        assertThat(r.log).containsExactly("remove x-gone", "set x-a=2", "set x-b=1", "add x-c=4", "add x-d=3");
    }

    @Test
    void removeThenSetOfTheSameHeaderKeepsTheNewValue() {
        Recorder r = new Recorder().with("x-canary", "old");
        HeaderMutations.apply(HeaderOps.compile(new HeaderOperations(Map.of("x-canary", "new"), Map.of(),
                List.of("x-canary"))), r);
        assertThat(r.headers.get("x-canary")).containsExactly("new");
    }

    @Test
    void pseudoHeadersAndHostAreNotTouchedAndEmptyValuesAreNotAdded() {
        Recorder r = new Recorder();
        HeaderMutations.apply(HeaderOps.compile(new HeaderOperations(Map.of(":path", "/x", "host", "h", "x-empty", ""),
                Map.of(":authority", "a"), List.of("Host", ":method"))), r);
        assertThat(r.log).isEmpty();
    }

    @Test
    void authorityComesFromRewriteThenRouteHeadersThenDestinationHeaders() {
        try (Mesh mesh = mesh(dir, WEB, virtualService("""
                - match: [{uri: {prefix: /rewrite}}]
                  rewrite: {authority: rewritten}
                  route: [{destination: {host: web}, headers: {request: {set: {host: dest-level}}}}]
                - match: [{uri: {prefix: /route}}]
                  headers: {request: {set: {host: route-level}}}
                  route: [{destination: {host: web}, headers: {request: {set: {host: dest-level}}}}]
                - match: [{uri: {prefix: /dest}}]
                  route: [{destination: {host: web}, headers: {request: {add: {":authority": dest-level}}}}]
                - route: [{destination: {host: web}}]
                """))) {
            assertThat(HeaderMutations.authority(mesh.route(get("http://web:8080/rewrite")))).isEqualTo("rewritten");
            assertThat(HeaderMutations.authority(mesh.route(get("http://web:8080/route")))).isEqualTo("route-level");
            assertThat(HeaderMutations.authority(mesh.route(get("http://web:8080/dest")))).isEqualTo("dest-level");
            assertThat(HeaderMutations.authority(mesh.route(get("http://web:8080/other")))).isNull();
        }
    }

    @Test
    void singleDestinationRemovesBothLevelsBeforeAddingRouteThenDestination() {
        try (Mesh mesh = mesh(dir, WEB, virtualService("""
                - headers:
                    request: {set: {x-who: route}, remove: [x-route-removes]}
                    response: {add: {x-resp: route}}
                  route:
                  - destination: {host: web}
                    headers:
                      request: {set: {x-who: destination}, remove: [x-dest-removes]}
                      response: {add: {x-resp: destination}}
                """))) {
            RouteDecision d = mesh.route(get("http://web:8080/"));
            Recorder r = new Recorder();
            HeaderMutations.applyRequest(d, r);
            assertThat(r.log).containsExactly("remove x-route-removes", "remove x-dest-removes", "set x-who=route",
                    "set x-who=destination");
            Recorder resp = new Recorder();
            HeaderMutations.applyResponse(d, resp);
            assertThat(resp.headers.get("x-resp")).containsExactly("route", "destination");
        }
    }

    @Test
    void weightedDestinationsApplyTheDestinationFirstSoTheRouteWins() {
        try (Mesh mesh = mesh(dir, WEB, virtualService("""
                - headers: {request: {set: {x-who: route}}}
                  route:
                  - destination: {host: web, subset: v1}
                    weight: 50
                    headers: {request: {set: {x-who: v1}, remove: [x-who]}}
                  - destination: {host: web, subset: v2}
                    weight: 50
                    headers: {request: {set: {x-who: v2}}}
                """))) {
            RouteDecision d = mesh.route(get("http://web:8080/"));
            Recorder r = new Recorder();
            HeaderMutations.applyRequest(d, r);
            assertThat(r.log.get(r.log.size() - 1)).isEqualTo("set x-who=route");
            assertThat(r.headers.get("x-who")).containsExactly("route");
        }
    }

    @Test
    void changesSaysWhetherApplyingWouldChangeAnything() {
        try (Mesh mesh = mesh(dir, WEB, virtualService("""
                - match: [{uri: {prefix: /route-request}}]
                  headers: {request: {remove: [x-a]}}
                  route: [{destination: {host: web}}]
                - match: [{uri: {prefix: /destination-response}}]
                  route:
                  - destination: {host: web}
                    headers: {response: {add: {x-b: "1"}}}
                - match: [{uri: {prefix: /authority-only}}]
                  rewrite: {authority: other}
                  route: [{destination: {host: web}}]
                - route: [{destination: {host: web}}]
                """))) {
            RouteDecision routeRequest = mesh.route(get("http://web:8080/route-request"));
            assertThat(HeaderMutations.changesRequest(routeRequest)).isTrue();
            assertThat(HeaderMutations.changesResponse(routeRequest)).isFalse();
            RouteDecision destinationResponse = mesh.route(get("http://web:8080/destination-response"));
            assertThat(HeaderMutations.changesRequest(destinationResponse)).isFalse();
            assertThat(HeaderMutations.changesResponse(destinationResponse)).isTrue();
            RouteDecision authorityOnly = mesh.route(get("http://web:8080/authority-only"));
            assertThat(HeaderMutations.changesRequest(authorityOnly)).as("the authority is the adapter's Host")
                    .isFalse();
            RouteDecision none = mesh.route(get("http://web:8080/"));
            assertThat(HeaderMutations.changesRequest(none)).isFalse();
            assertThat(HeaderMutations.changesResponse(none)).isFalse();
        }
    }
}
