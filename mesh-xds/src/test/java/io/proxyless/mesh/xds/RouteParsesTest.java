package io.proxyless.mesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.BoolValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A route configuration sent again translates only the virtual hosts that changed, and what it yields is what a
 * fresh parse yields: the same model, the same warnings and errors at the same paths.
 */
class RouteParsesTest {
    private static final ParseContext SIDECAR = ParseContext.sidecar();
    private static final List<String> SERVICES = List.of("details", "productpage", "ratings", "reviews");
    private static final List<String> VIPS = List.of("details", "productpage", "ratings", "reviews", "alpha", "beta");

    /** istiod's route configuration "9080", built afresh (new messages) each time, like each response's. */
    private static RouteConfiguration routes(List<String> services, String changed, Duration timeout) {
        RouteConfiguration.Builder rc = RouteConfiguration.newBuilder().setName("9080");
        for (String s : services) {
            Route route = Route.newBuilder(XdsFixtures.defaultRoute(XdsFixtures.cluster(s, ""), false))
                    .setRoute(XdsFixtures.action(false, s.equals(changed) ? timeout : null)
                            .setCluster(XdsFixtures.cluster(s, ""))).build();
            VirtualHost vh = XdsFixtures.virtualHost(s, "10.0.0." + (1 + VIPS.indexOf(s)), List.of(route));
            if (s.equals("ratings")) {
                // Not acted on: a warning at virtual_hosts[N].request_headers_to_add, N this version's index.
                vh = vh.toBuilder().addRequestHeadersToAdd(HeaderValueOption.newBuilder()
                        .setHeader(HeaderValue.newBuilder().setKey("x-mesh").setValue("1"))).build();
            }
            rc.addVirtualHosts(vh);
        }
        return rc.build();
    }

    private static void assertSameAsFreshParse(Parsed<io.proxyless.mesh.runtime.model.RouteConfiguration> parsed,
                                               RouteConfiguration raw, int port) {
        Parsed<io.proxyless.mesh.runtime.model.RouteConfiguration> fresh = XdsRouteResource.parse(raw, port, SIDECAR);
        assertThat(parsed).isEqualTo(fresh);
    }

    @Test
    void aRouteConfigurationSentAgainWithOneVirtualHostChangedTranslatesThatOneAlone() {
        RouteParses parses = RouteParses.none();
        RouteConfiguration v1 = routes(SERVICES, null, null);
        var accepted1 = parses.accept(v1, SIDECAR);
        var assembled1 = parses.parse(v1, 9080, SIDECAR);
        parses.assembled();
        assertSameAsFreshParse(assembled1, v1, 9080);
        assertThat(assembled1.value().virtualHosts()).as("the assembly takes what accepting the version translated")
                .zipSatisfy(accepted1.value().virtualHosts(), (a, b) -> assertThat(a).isSameAs(b));

        RouteConfiguration v2 = routes(SERVICES, "reviews", Duration.ofSeconds(3));
        var accepted2 = parses.accept(v2, SIDECAR);
        var assembled2 = parses.parse(v2, 9080, SIDECAR);
        parses.assembled();

        assertSameAsFreshParse(accepted2, v2, 0);
        assertSameAsFreshParse(assembled2, v2, 9080);
        assertThat(assembled2.warnings()).extracting(Findings.Finding::toString)
                .containsExactly("virtual_hosts[2].request_headers_to_add: not supported; ignored");
        var before = assembled1.value().virtualHosts();
        var after = assembled2.value().virtualHosts();
        for (int i = 0; i < SERVICES.size(); i++) {
            if (SERVICES.get(i).equals("reviews")) {
                assertThat(after.get(i)).isNotSameAs(before.get(i)).isNotEqualTo(before.get(i));
            } else {
                assertThat(after.get(i)).as(SERVICES.get(i)).isSameAs(before.get(i));
            }
        }
    }

    @Test
    void reusedVirtualHostsCarryTheirFindingsToTheirNewPlace() {
        RouteParses parses = RouteParses.none();
        RouteConfiguration v1 = routes(SERVICES, null, null);
        var first = parses.accept(v1, SIDECAR);
        List<String> more = new ArrayList<>(List.of("alpha", "beta"));
        more.addAll(SERVICES);
        RouteConfiguration v2 = routes(more, null, null);

        var second = parses.accept(v2, SIDECAR);

        assertSameAsFreshParse(second, v2, 0);
        assertThat(second.error()).isNull();
        assertThat(second.warnings()).extracting(Findings.Finding::toString)
                .containsExactly("virtual_hosts[4].request_headers_to_add: not supported; ignored");
        assertThat(second.value().virtualHosts().subList(2, 6))
                .zipSatisfy(first.value().virtualHosts(), (a, b) -> assertThat(a).isSameAs(b));

        // An error in a virtual host (a match this client cannot evaluate) NACKs the version, re-sent or not.
        RouteConfiguration invalid = v2.toBuilder().setVirtualHosts(5, v2.getVirtualHosts(5).toBuilder()
                .addRoutes(0, Route.newBuilder(v2.getVirtualHosts(5).getRoutes(0)).setMatch(RouteMatch.newBuilder()
                        .setPrefix("/").setTlsContext(RouteMatch.TlsContextMatchOptions.newBuilder()
                                .setPresented(BoolValue.of(true)))))).build();
        var rejected = parses.accept(invalid, SIDECAR);
        assertSameAsFreshParse(rejected, invalid, 0);
        assertThat(rejected.error()).isEqualTo("virtual_hosts[5].routes[0].match.tls_context: cannot be evaluated by this client");
        var rejectedAgain = parses.accept(invalid.toBuilder().build(), SIDECAR);
        assertThat(rejectedAgain).isEqualTo(rejected);
    }

    @Test
    void keptWhileAnAssemblyUsesTheRouteConfigurationAndForgottenAfter() {
        RouteParses parses = RouteParses.none();
        RouteConfiguration v1 = routes(SERVICES, null, null);
        RouteConfiguration other = v1.toBuilder().setName("9090").build();
        var first = parses.accept(v1, SIDECAR);
        var otherFirst = parses.accept(other, SIDECAR);
        parses.parse(v1, 9080, SIDECAR);
        parses.assembled();
        // Another resource changed (endpoints, say): the route configuration is taken as it was parsed.
        parses.parse(v1, 9080, SIDECAR);
        parses.assembled();

        var second = parses.accept(routes(SERVICES, null, null), SIDECAR);
        var otherSecond = parses.accept(other.toBuilder().build(), SIDECAR);

        assertThat(second.value().virtualHosts())
                .zipSatisfy(first.value().virtualHosts(), (a, b) -> assertThat(a).isSameAs(b));
        assertThat(otherSecond.value().virtualHosts()).as("no assembly used 9090: parsed afresh")
                .isEqualTo(otherFirst.value().virtualHosts())
                .zipSatisfy(otherFirst.value().virtualHosts(), (a, b) -> assertThat(a).isNotSameAs(b));
    }

    @Test
    void aVirtualHostRenamedIsTranslatedAfreshAndOneRemovedIsDropped() {
        RouteParses parses = RouteParses.none();
        RouteConfiguration v1 = routes(SERVICES, null, null);
        var first = parses.accept(v1, SIDECAR);
        // "details" is renamed (same domains and routes, another name); "productpage" is gone.
        RouteConfiguration.Builder b = routes(List.of("details", "ratings", "reviews"), null, null).toBuilder();
        b.setVirtualHosts(0, b.getVirtualHosts(0).toBuilder().setName("details-renamed"));
        RouteConfiguration v2 = b.build();

        var second = parses.accept(v2, SIDECAR);

        assertSameAsFreshParse(second, v2, 0);
        var before = first.value().virtualHosts();
        var after = second.value().virtualHosts();
        assertThat(after).hasSize(3);
        assertThat(after.get(0)).isNotSameAs(before.get(0));
        assertThat(after.get(0).name()).isEqualTo("details-renamed");
        assertThat(after.get(1)).as("ratings, found by name").isSameAs(before.get(2));
        assertThat(after.get(2)).as("reviews, found by name").isSameAs(before.get(3));
        assertThat(after).extracting(io.proxyless.mesh.runtime.model.VirtualHost::name)
                .doesNotContain("productpage");
    }

    @Test
    void aVirtualHostChangedInPlaceIsTranslatedAgainEvenWhenItsNameIsTheSame() {
        RouteParses parses = RouteParses.none();
        parses.accept(routes(SERVICES, "ratings", Duration.ofSeconds(1)), SIDECAR);
        RouteConfiguration v2 = routes(SERVICES, "ratings", Duration.ofSeconds(2));

        var second = parses.accept(v2, SIDECAR);

        assertSameAsFreshParse(second, v2, 0);
        assertThat(second.value().virtualHosts().get(2).routes().get(0).action())
                .isEqualTo(XdsRouteResource.parse(v2, 0, SIDECAR).value().virtualHosts().get(2).routes().get(0)
                        .action());
    }

    @Test
    void aRejectedVersionLeavesTheLastGoodTranslationsToTheNext() {
        RouteParses parses = RouteParses.none();
        RouteConfiguration v1 = routes(SERVICES, null, null);
        var first = parses.accept(v1, SIDECAR);
        parses.parse(v1, 9080, SIDECAR);
        parses.assembled();
        // One virtual host has a match this client cannot evaluate: the version is NACKed, v1 stays in use.
        RouteConfiguration invalid = v1.toBuilder().setVirtualHosts(0, v1.getVirtualHosts(0).toBuilder()
                .setRoutes(0, Route.newBuilder(v1.getVirtualHosts(0).getRoutes(0)).setMatch(RouteMatch.newBuilder()
                        .setPrefix("/").setTlsContext(RouteMatch.TlsContextMatchOptions.newBuilder()
                                .setPresented(BoolValue.of(true)))))).build();
        assertThat(parses.accept(invalid, SIDECAR).ok()).isFalse();
        var kept = parses.parse(v1, 9080, SIDECAR);
        parses.assembled();
        assertSameAsFreshParse(kept, v1, 9080);

        RouteConfiguration v3 = routes(SERVICES, "reviews", Duration.ofSeconds(3));
        var third = parses.accept(v3, SIDECAR);

        assertSameAsFreshParse(third, v3, 0);
        assertThat(third.value().virtualHosts().get(0)).as("details, translated again after the rejected one")
                .isEqualTo(first.value().virtualHosts().get(0));
        assertThat(third.value().virtualHosts().subList(1, 3))
                .zipSatisfy(first.value().virtualHosts().subList(1, 3), (a, b) -> assertThat(a).isSameAs(b));
    }

    @Test
    void acceptedOnItsPortTheAssemblyTakesTheParseAsItIs() {
        RouteParses parses = RouteParses.none();
        RouteConfiguration v1 = routes(SERVICES, null, null);

        var accepted = parses.accept(v1, v1.toByteString(), 9080, SIDECAR);

        assertSameAsFreshParse(accepted, v1, 9080);
        assertThat(parses.parse(v1, 9080, SIDECAR)).isSameAs(accepted);
        assertSameAsFreshParse(parses.parse(v1, 9090, SIDECAR), v1, 9090);
    }

    @Test
    void bytesThatAreNotTheMessagesFindNoVirtualHostAgain() {
        RouteParses parses = RouteParses.none();
        RouteConfiguration v1 = routes(SERVICES, null, null);
        var first = parses.accept(v1, SIDECAR);
        RouteConfiguration v2 = routes(SERVICES, "reviews", Duration.ofSeconds(3));

        var second = parses.accept(v2, com.google.protobuf.ByteString.copyFromUtf8("not a route configuration"),
                0, SIDECAR);

        assertSameAsFreshParse(second, v2, 0);
        assertThat(second.value().virtualHosts())
                .zipSatisfy(first.value().virtualHosts(), (a, b) -> assertThat(a).isNotSameAs(b));
    }

    // ---- Decoding a version by the virtual hosts that changed ----

    /** The bytes a control plane sends for {@code rc}, decoded as the client decodes them. */
    private static RouteConfiguration decode(RouteParses parses, RouteConfiguration rc) throws Exception {
        RouteConfiguration decoded = parses.decode(rc.toByteString());
        assertThat(decoded).as("what protobuf decodes from the same bytes")
                .isEqualTo(RouteConfiguration.parseFrom(rc.toByteString())).isEqualTo(rc);
        return decoded;
    }

    @Test
    void aVersionDecodesOnlyTheVirtualHostsWhoseBytesChangedAndGivesWhatAFullDecodeGives() throws Exception {
        RouteParses parses = RouteParses.none();
        RouteConfiguration v1 = decode(parses, routes(SERVICES, null, null));
        var first = parses.accept(v1, v1.toByteString(), 9080, SIDECAR);
        parses.parse(v1, 9080, SIDECAR);
        parses.assembled();

        // One changed (reviews' timeout), one added before the others (alpha), one removed (productpage).
        RouteConfiguration v2 = decode(parses, routes(List.of("alpha", "details", "ratings", "reviews"), "reviews",
                Duration.ofSeconds(3)));
        var second = parses.accept(v2, v2.toByteString(), 9080, SIDECAR);

        assertSameAsFreshParse(second, v2, 9080);
        assertThat(v2.getVirtualHosts(1)).as("details, moved by one: found by name").isSameAs(v1.getVirtualHosts(0));
        assertThat(v2.getVirtualHosts(2)).as("ratings").isSameAs(v1.getVirtualHosts(2));
        assertThat(v2.getVirtualHosts(3)).as("reviews, changed: decoded").isNotSameAs(v1.getVirtualHosts(3));
        assertThat(second.value().virtualHosts().subList(1, 3)).as("their translations, by identity")
                .containsExactly(first.value().virtualHosts().get(0), first.value().virtualHosts().get(2));
        assertThat(second.warnings()).extracting(Findings.Finding::toString)
                .containsExactly("virtual_hosts[2].request_headers_to_add: not supported; ignored");
        parses.parse(v2, 9080, SIDECAR);
        parses.assembled();

        // The same bytes again: every virtual host is the message decoded before.
        RouteConfiguration again = decode(parses, routes(List.of("alpha", "details", "ratings", "reviews"),
                "reviews", Duration.ofSeconds(3)));
        assertThat(again.getVirtualHostsList()).zipSatisfy(v2.getVirtualHostsList(),
                (a, b) -> assertThat(a).isSameAs(b));
    }

    /** {@code rc}'s bytes as a view into a larger array, at {@code offset}: as a response decoded with it hands them. */
    private static com.google.protobuf.ByteString inside(RouteConfiguration rc, int offset) {
        byte[] bytes = rc.toByteArray();
        byte[] array = new byte[offset + bytes.length + 7];
        java.util.Arrays.fill(array, (byte) 0x5a);
        System.arraycopy(bytes, 0, array, offset, bytes.length);
        return com.google.protobuf.UnsafeByteOperations.unsafeWrap(array, offset, bytes.length);
    }

    @Test
    void bytesThatAreAViewIntoALargerArrayAreComparedWhereTheyAre() throws Exception {
        RouteParses parses = RouteParses.none();
        RouteConfiguration sent1 = routes(SERVICES, null, null);
        com.google.protobuf.ByteString bytes1 = inside(sent1, 40);
        RouteConfiguration v1 = parses.decode(bytes1);
        assertThat(v1).isEqualTo(sent1);
        parses.accept(v1, bytes1, 9080, SIDECAR);
        parses.parse(v1, 9080, SIDECAR);
        parses.assembled();

        RouteConfiguration sent2 = routes(SERVICES, "reviews", Duration.ofSeconds(3));
        com.google.protobuf.ByteString bytes2 = inside(sent2, 3);
        RouteConfiguration v2 = parses.decode(bytes2);

        assertThat(v2).isEqualTo(sent2);
        assertSameAsFreshParse(parses.accept(v2, bytes2, 9080, SIDECAR), v2, 9080);
        assertThat(v2.getVirtualHosts(3)).as("reviews, changed: decoded").isNotSameAs(v1.getVirtualHosts(3));
        assertThat(v2.getVirtualHostsList().subList(0, 3)).zipSatisfy(v1.getVirtualHostsList().subList(0, 3),
                (a, b) -> assertThat(a).isSameAs(b));
    }

    @Test
    void anInvalidVirtualHostDecodedAloneIsRejectedAsAFullDecodeIsAndTheNextVersionStillFindsTheRest()
            throws Exception {
        RouteParses parses = RouteParses.none();
        RouteConfiguration v1 = decode(parses, routes(SERVICES, null, null));
        parses.accept(v1, v1.toByteString(), 9080, SIDECAR);
        parses.parse(v1, 9080, SIDECAR);
        parses.assembled();
        RouteConfiguration invalid = v1.toBuilder().setVirtualHosts(3, v1.getVirtualHosts(3).toBuilder()
                .setRoutes(0, Route.newBuilder(v1.getVirtualHosts(3).getRoutes(0)).setMatch(RouteMatch.newBuilder()
                        .setPrefix("/").setTlsContext(RouteMatch.TlsContextMatchOptions.newBuilder()
                                .setPresented(BoolValue.of(true)))))).build();

        RouteConfiguration decoded = decode(parses, invalid);
        var rejected = parses.accept(decoded, invalid.toByteString(), 9080, SIDECAR);

        assertSameAsFreshParse(rejected, invalid, 9080);
        assertThat(rejected.error())
                .isEqualTo("virtual_hosts[3].routes[0].match.tls_context: cannot be evaluated by this client");
        assertThat(decoded.getVirtualHostsList().subList(0, 3)).zipSatisfy(v1.getVirtualHostsList().subList(0, 3),
                (a, b) -> assertThat(a).isSameAs(b));
        // The last good version stays in use; the next valid one is decoded against the rejected one's bytes.
        assertSameAsFreshParse(parses.parse(v1, 9080, SIDECAR), v1, 9080);
        parses.assembled();
        RouteConfiguration v3 = decode(parses, routes(SERVICES, "reviews", Duration.ofSeconds(4)));
        assertSameAsFreshParse(parses.accept(v3, v3.toByteString(), 9080, SIDECAR), v3, 9080);
        assertThat(v3.getVirtualHosts(0)).isSameAs(v1.getVirtualHosts(0));
    }

    @Test
    void fieldsBesideTheVirtualHostsInAnyOrderAndUnknownOnesDecodeAsProtobufDecodesThem() throws Exception {
        RouteParses parses = RouteParses.none();
        RouteConfiguration rc = routes(SERVICES, null, null);
        decode(parses, rc);
        // The name last, after the virtual hosts; a field this protobuf does not know; validate_clusters between.
        com.google.protobuf.ByteString.Output out = com.google.protobuf.ByteString.newOutput();
        com.google.protobuf.CodedOutputStream w = com.google.protobuf.CodedOutputStream.newInstance(out);
        w.writeMessage(RouteConfiguration.VIRTUAL_HOSTS_FIELD_NUMBER, rc.getVirtualHosts(0));
        w.writeMessage(RouteConfiguration.VALIDATE_CLUSTERS_FIELD_NUMBER, BoolValue.of(true));
        w.writeString(9999, "unknown");
        w.writeMessage(RouteConfiguration.VIRTUAL_HOSTS_FIELD_NUMBER, rc.getVirtualHosts(1));
        w.writeUInt32(RouteConfiguration.VIRTUAL_HOSTS_FIELD_NUMBER + 1000, 7);
        w.writeString(RouteConfiguration.NAME_FIELD_NUMBER, "9080");
        w.flush();
        com.google.protobuf.ByteString bytes = out.toByteString();

        RouteConfiguration decoded = parses.decode(bytes);

        RouteConfiguration full = RouteConfiguration.parseFrom(bytes);
        assertThat(decoded).isEqualTo(full);
        assertThat(decoded.toByteString()).isEqualTo(full.toByteString());
        assertThat(decoded.getUnknownFields()).isEqualTo(full.getUnknownFields());
        assertThat(decoded.getVirtualHosts(1)).as("found again at its place")
                .isSameAs(parses.decode(rc.toByteString()).getVirtualHosts(1));
    }

    @Test
    void bytesProtobufCannotDecodeAreRejectedAsProtobufRejectsThem() throws Exception {
        RouteParses parses = RouteParses.none();
        RouteConfiguration rc = routes(SERVICES, null, null);
        decode(parses, rc);
        byte[] whole = rc.toByteArray();
        for (byte[] bad : List.of(java.util.Arrays.copyOf(whole, whole.length - 3),
                new byte[] {0x12, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f},
                new byte[] {0x0c}, new byte[] {0x12, 0x02, 0x0a, (byte) 0x80})) {
            com.google.protobuf.ByteString bytes = com.google.protobuf.ByteString.copyFrom(bad);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> RouteConfiguration.parseFrom(bytes))
                    .isInstanceOf(com.google.protobuf.InvalidProtocolBufferException.class);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> parses.decode(bytes))
                    .isInstanceOf(com.google.protobuf.InvalidProtocolBufferException.class);
        }
        assertThat(parses.decode(rc.toByteString())).isEqualTo(rc);
    }

    @Test
    void aChangedVirtualHostTakingADomainOfAnUnchangedOneIsRejectedAsAFreshParseRejectsIt() throws Exception {
        RouteParses parses = RouteParses.none();
        RouteConfiguration v1 = decode(parses, routes(SERVICES, null, null));
        parses.accept(v1, v1.toByteString(), 9080, SIDECAR);
        parses.parse(v1, 9080, SIDECAR);
        parses.assembled();
        // reviews also claims a domain of details, which did not change.
        RouteConfiguration clash = v1.toBuilder().setVirtualHosts(3, v1.getVirtualHosts(3).toBuilder()
                .addDomains(v1.getVirtualHosts(0).getDomains(0))).build();

        var rejected = parses.accept(decode(parses, clash), clash.toByteString(), 9080, SIDECAR);

        assertSameAsFreshParse(rejected, clash, 9080);
        assertThat(rejected.error()).isEqualTo("virtual_hosts: route configuration 9080: domain "
                + v1.getVirtualHosts(0).getDomains(0) + " appears in more than one virtual host");
        assertSameAsFreshParse(parses.parse(v1, 9080, SIDECAR), v1, 9080);
        parses.assembled();
        // Then reviews gives it back and changes its timeout; ratings takes a new domain.
        RouteConfiguration.Builder next = routes(SERVICES, "reviews", Duration.ofSeconds(5)).toBuilder();
        next.setVirtualHosts(2, next.getVirtualHosts(2).toBuilder().addDomains("ratings.example.com"));
        RouteConfiguration v3 = decode(parses, next.build());
        var third = parses.accept(v3, v3.toByteString(), 9080, SIDECAR);
        assertSameAsFreshParse(third, v3, 9080);
        assertThat(third.ok()).isTrue();
        // And ratings' new domain is taken by details: the index knows it.
        RouteConfiguration.Builder taken = v3.toBuilder();
        taken.setVirtualHosts(0, taken.getVirtualHosts(0).toBuilder().addDomains("ratings.example.com"));
        RouteConfiguration v4 = decode(parses, taken.build());
        var fourth = parses.accept(v4, v4.toByteString(), 9080, SIDECAR);
        assertSameAsFreshParse(fourth, v4, 9080);
        assertThat(fourth.ok()).isFalse();
    }
}
