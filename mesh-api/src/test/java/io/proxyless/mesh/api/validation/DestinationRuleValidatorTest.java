package io.proxyless.mesh.api.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** DestinationRule rules, each shown failing on YAML loaded by the real loader. The spec starts on line 6. */
class DestinationRuleValidatorTest {
    private static final String P = "dr.yaml:%d: DestinationRule default/reviews: ";

    private static List<String> problems(String spec) {
        return Loaded.problems("dr.yaml", "DestinationRule", "reviews", spec);
    }

    private static List<String> errors(String spec) {
        return Loaded.errors("dr.yaml", "DestinationRule", "reviews", spec);
    }

    private static String at(int line, String rest) {
        return P.formatted(line) + rest;
    }

    @Test
    void completeRuleHasNoProblems() {
        assertThat(problems("""
                host: reviews.prod.svc.cluster.local
                trafficPolicy:
                  loadBalancer:
                    consistentHash:
                      httpHeaderName: x-user
                      maglev: {tableSize: 65537}
                  connectionPool:
                    tcp: {maxConnections: 100, connectTimeout: 30ms, idleTimeout: 0s}
                    http: {http1MaxPendingRequests: 10, maxRetries: 3, idleTimeout: 1m}
                  outlierDetection: {consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50}
                  tls: {mode: SIMPLE, caCertificates: /etc/ca.pem}
                  portLevelSettings:
                  - port: {number: 9080}
                    loadBalancer: {simple: LEAST_REQUEST}
                subsets:
                - name: v1
                  labels: {version: v1}
                - name: v2
                  labels: {version: v2}
                  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}
                exportTo: [".", istio-system]
                """)).isEmpty();
    }

    // ------------------------------------------------------------------ host

    @Test
    void hostIsRequired() {
        assertThat(problems("""
                subsets:
                - name: v1
                  labels: {version: v1}
                """)).containsExactly(at(5, "spec.host: host is required"));
    }

    @Test
    void hostMustBeAValidDomainName() {
        assertThat(problems("""
                host: reviews_v1.prod
                """)).containsExactly(at(6, "spec.host: domain name \"reviews_v1.prod\" invalid (label \"reviews_v1\""
                + " invalid)"));
    }

    @Test
    void hostWildcardOnlyAsLeadingLabel() {
        assertThat(problems("""
                host: reviews.*.svc.cluster.local
                """)).containsExactly(at(6, "spec.host: domain name \"reviews.*.svc.cluster.local\" invalid (label"
                + " \"*\" invalid)"));
    }

    @Test
    void bareStarHostIsAWarning() {
        assertThat(problems("""
                host: "*"
                """)).containsExactly("warning: " + at(6, "spec.host: host \"*\" applies this rule to every service in"
                + " the mesh; name the service, or use a wildcard such as \"*.example.com\""));
    }

    // ------------------------------------------------------------------ subsets

    @Test
    void duplicateSubsetNamesAreRejected() {
        assertThat(problems("""
                host: reviews
                subsets:
                - name: v1
                  labels: {version: v1}
                - name: v1
                  labels: {version: v2}
                """)).containsExactly(at(10, "spec.subsets[1].name: duplicate subset names: v1"));
    }

    @Test
    void subsetNameMustBeADns1123Label() {
        assertThat(problems("""
                host: reviews
                subsets:
                - name: v1.0
                  labels: {version: v1}
                """)).containsExactly(at(8, "spec.subsets[0].name: subset name is invalid: v1.0"));
    }

    @Test
    void subsetNameIsRequired() {
        assertThat(problems("""
                host: reviews
                subsets:
                - labels: {version: v1}
                """)).containsExactly(at(8, "spec.subsets[0].name: subset name cannot be empty"));
    }

    @Test
    void subsetLabelsMustBeKubernetesLabels() {
        assertThat(problems("""
                host: reviews
                subsets:
                - name: v1
                  labels:
                    version: -v1
                """)).containsExactly(at(10, "spec.subsets[0].labels.version: invalid tag value: \"-v1\""));
    }

    // ------------------------------------------------------------------ traffic policy

    @Test
    void emptyTrafficPolicyIsRejected() {
        assertThat(problems("""
                host: reviews
                trafficPolicy: {}
                """)).containsExactly(at(7, "spec.trafficPolicy: traffic policy must have at least one field"));
    }

    @Test
    void emptySubsetTrafficPolicyIsRejected() {
        assertThat(problems("""
                host: reviews
                subsets:
                - name: v1
                  labels: {version: v1}
                  trafficPolicy: {}
                """)).containsExactly(at(10, "spec.subsets[0].trafficPolicy: traffic policy must have at least one"
                + " field"));
    }

    // ------------------------------------------------------------------ load balancer

    @Test
    void simpleAndConsistentHashAreExclusive() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  loadBalancer:
                    simple: ROUND_ROBIN
                    consistentHash: {httpHeaderName: x-user}
                """)).containsExactly(at(8, "spec.trafficPolicy.loadBalancer: only one of simple or consistentHash may"
                + " be set"));
    }

    @Test
    void consistentHashNeedsAHashKey() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  loadBalancer:
                    consistentHash:
                      ringHash: {minimumRingSize: 1024}
                """)).containsExactly(at(9, "spec.trafficPolicy.loadBalancer.consistentHash: consistentHash needs one"
                + " of httpHeaderName, httpCookie, useSourceIp or httpQueryParameterName"));
    }

    @Test
    void consistentHashTakesOneHashKey() {
        assertThat(errors("""
                host: reviews
                trafficPolicy:
                  loadBalancer:
                    consistentHash:
                      httpHeaderName: x-user
                      useSourceIp: true
                """)).containsExactly(at(9, "spec.trafficPolicy.loadBalancer.consistentHash: only one of"
                + " httpHeaderName, httpCookie, useSourceIp or httpQueryParameterName may be set"));
    }

    @Test
    void ringHashAndMaglevAreExclusive() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  loadBalancer:
                    consistentHash:
                      httpHeaderName: x-user
                      ringHash: {minimumRingSize: 1024}
                      maglev: {tableSize: 65537}
                """)).containsExactly(at(9, "spec.trafficPolicy.loadBalancer.consistentHash: only one of ringHash or"
                + " maglev may be set"));
    }

    @Test
    void deprecatedMinimumRingSizeCannotBeCombinedWithAnAlgorithm() {
        assertThat(errors("""
                host: reviews
                trafficPolicy:
                  loadBalancer:
                    consistentHash:
                      httpHeaderName: x-user
                      minimumRingSize: 1024
                      ringHash: {minimumRingSize: 1024}
                """)).containsExactly(at(11, "spec.trafficPolicy.loadBalancer.consistentHash.minimumRingSize: only one"
                + " of MinimumRingSize or Maglev/Ringhash can be specified"));
    }

    @Test
    void maglevTableSizeIsRequired() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  loadBalancer:
                    consistentHash:
                      httpHeaderName: x-user
                      maglev: {}
                """)).containsExactly(at(11, "spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize:"
                + " tableSize must be set for maglev"));
    }

    @Test
    void maglevTableSizeMustBePrime() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  loadBalancer:
                    consistentHash:
                      httpHeaderName: x-user
                      maglev:
                        tableSize: 1000
                """)).containsExactly(at(12, "spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize:"
                + " tableSize must be a prime number for maglev"));
    }

    @Test
    void maglevTableSizeMustBeBelowEnvoysLimit() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  loadBalancer:
                    consistentHash:
                      httpHeaderName: x-user
                      maglev:
                        tableSize: 5000011
                """)).containsExactly(at(12, "spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize:"
                + " tableSize must be less than 5000011 for maglev"));
    }

    @Test
    void httpCookieNeedsAName() {
        assertThat(errors("""
                host: reviews
                trafficPolicy:
                  loadBalancer:
                    consistentHash:
                      httpCookie: {ttl: 0s}
                """)).containsExactly(at(10, "spec.trafficPolicy.loadBalancer.consistentHash.httpCookie.name: name"
                + " required for HttpCookie"));
    }

    @Test
    void httpCookieAttributeNamesAreUnique() {
        assertThat(errors("""
                host: reviews
                trafficPolicy:
                  loadBalancer:
                    consistentHash:
                      httpCookie:
                        name: session
                        attributes:
                        - {name: SameSite, value: Strict}
                        - {name: SameSite, value: Lax}
                """)).containsExactly(at(14, "spec.trafficPolicy.loadBalancer.consistentHash.httpCookie.attributes[1]"
                + ".name: duplicate cookie attribute name: SameSite"));
    }

    @Test
    void warmupNeedsADuration() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  loadBalancer:
                    simple: ROUND_ROBIN
                    warmup: {minimumPercent: 10}
                """)).containsExactly(at(10, "spec.trafficPolicy.loadBalancer.warmup.duration: duration is required"));
    }

    @Test
    void warmupAggressionMustBePositive() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  loadBalancer:
                    simple: ROUND_ROBIN
                    warmup:
                      duration: 30s
                      aggression: 0
                """)).containsExactly(at(12, "spec.trafficPolicy.loadBalancer.warmup.aggression: aggression should be"
                + " greater than 0"));
    }

    @Test
    void warmupAndDeprecatedWarmupDurationSecsAreExclusive() {
        assertThat(errors("""
                host: reviews
                trafficPolicy:
                  loadBalancer:
                    simple: ROUND_ROBIN
                    warmupDurationSecs: 30s
                    warmup: {duration: 30s}
                """)).containsExactly(at(8, "spec.trafficPolicy.loadBalancer: only one of warmupDurationSecs or warmup"
                + " can be set"));
    }

    // ------------------------------------------------------------------ locality

    @Test
    void localityDistributeAndFailoverAreExclusive() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  outlierDetection: {consecutive5xxErrors: 5}
                  loadBalancer:
                    localityLbSetting:
                      distribute:
                      - from: us-west/zone1/*
                        to: {"us-west/zone1/*": 100}
                      failover:
                      - {from: us-west, to: us-east}
                """)).containsExactly(at(10, "spec.trafficPolicy.loadBalancer.localityLbSetting: can not"
                + " simultaneously specify 'distribute' and 'failover'"));
    }

    @Test
    void localityWeightsMustTotal100() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  loadBalancer:
                    localityLbSetting:
                      distribute:
                      - from: us-west/zone1/*
                        to:
                          "us-west/zone1/*": 80
                          "us-west/zone2/*": 10
                """)).containsExactly(at(12, "spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to:"
                + " total locality weight 90 != 100"));
    }

    @Test
    void localityWeightMustBeBetween1And100() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  loadBalancer:
                    localityLbSetting:
                      distribute:
                      - from: us-west/zone1/*
                        to:
                          "us-west/zone1/*": 100
                          "us-west/zone2/*": 0
                """)).containsExactly(at(14, "spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to"
                + ".us-west/zone2/*: locality weight must be in range [1, 100]"));
    }

    @Test
    void localitySourcesMustNotOverlap() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  loadBalancer:
                    localityLbSetting:
                      distribute:
                      - from: us-west/*
                        to: {"us-west/*": 100}
                      - from: us-west/zone1
                        to: {"us-west/*": 100}
                """)).containsExactly(at(10, "spec.trafficPolicy.loadBalancer.localityLbSetting.distribute: locality"
                + " us-west/zone1 overlap with previous specified ones"));
    }

    @Test
    void localityWildcardOnlyAtTheEnd() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  loadBalancer:
                    localityLbSetting:
                      distribute:
                      - from: us-west/*/zone1
                        to: {"us-west/*": 100}
                """)).containsExactly(at(10, "spec.trafficPolicy.loadBalancer.localityLbSetting.distribute: locality"
                + " us-west/*/zone1 wildcard '*' number can not exceed 1 and must be in the end"));
    }

    @Test
    void localityFailoverMustChangeRegion() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  outlierDetection: {consecutive5xxErrors: 5}
                  loadBalancer:
                    localityLbSetting:
                      failover:
                      - {from: us-west, to: us-west}
                """)).containsExactly(at(12, "spec.trafficPolicy.loadBalancer.localityLbSetting.failover[0]: locality"
                + " lb failover settings must specify different regions"));
    }

    @Test
    void localityFailoverNamesRegionsOnly() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  outlierDetection: {consecutive5xxErrors: 5}
                  loadBalancer:
                    localityLbSetting:
                      failover:
                      - {from: us-west/zone1, to: us-east}
                """)).containsExactly(at(12, "spec.trafficPolicy.loadBalancer.localityLbSetting.failover[0]: locality"
                + " lb failover only specify region"));
    }

    @Test
    void localityFailoverWithoutOutlierDetectionIsAWarning() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  loadBalancer:
                    localityLbSetting:
                      failover:
                      - {from: us-west, to: us-east}
                """)).containsExactly("warning: " + at(9, "spec.trafficPolicy.loadBalancer.localityLbSetting: outlier"
                + " detection policy must be provided for failover"));
    }

    @Test
    void localityFailoverCannotBeCombinedWithTopologyFailoverPriority() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  outlierDetection: {consecutive5xxErrors: 5}
                  loadBalancer:
                    localityLbSetting:
                      failover:
                      - {from: us-west, to: us-east}
                      failoverPriority:
                      - topology.kubernetes.io/zone
                """)).containsExactly(at(14, "spec.trafficPolicy.loadBalancer.localityLbSetting.failoverPriority[0]:"
                + " can not simultaneously set 'failover' and topology label 'topology.kubernetes.io/zone' in"
                + " 'failover_priority'"));
    }

    @Test
    void localityAndZoneAwareSettingsAreExclusive() {
        assertThat(errors("""
                host: reviews
                trafficPolicy:
                  loadBalancer:
                    localityLbSetting: {enabled: true}
                    zoneAwareLbSetting: {enabled: true}
                """)).containsExactly(at(8, "spec.trafficPolicy.loadBalancer: only one of localityLbSetting and"
                + " zoneAwareLbSetting can be set"));
    }

    // ------------------------------------------------------------------ connection pool

    @Test
    void emptyConnectionPoolIsRejected() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  connectionPool: {}
                """)).containsExactly(at(8, "spec.trafficPolicy.connectionPool: connection pool must have at least one"
                + " field"));
    }

    @Test
    void connectionPoolCountsMustBeNonNegative() {
        assertThat(errors("""
                host: reviews
                trafficPolicy:
                  connectionPool:
                    tcp:
                      maxConnections: -1
                    http:
                      http1MaxPendingRequests: -1
                      http2MaxRequests: -1
                      maxRequestsPerConnection: -1
                      maxRetries: -1
                """)).containsExactly(
                at(10, "spec.trafficPolicy.connectionPool.tcp.maxConnections: max connections must be non-negative"),
                at(12, "spec.trafficPolicy.connectionPool.http.http1MaxPendingRequests: http1 max pending requests"
                        + " must be non-negative"),
                at(13, "spec.trafficPolicy.connectionPool.http.http2MaxRequests: http2 max requests must be"
                        + " non-negative"),
                at(14, "spec.trafficPolicy.connectionPool.http.maxRequestsPerConnection: max requests per connection"
                        + " must be non-negative"),
                at(15, "spec.trafficPolicy.connectionPool.http.maxRetries: max retries must be non-negative"));
    }

    @Test
    void connectTimeoutMustBeAtLeastOneMillisecond() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  connectionPool:
                    tcp:
                      connectTimeout: 0s
                """)).containsExactly(at(10, "spec.trafficPolicy.connectionPool.tcp.connectTimeout: duration must be"
                + " greater than 1ms"));
    }

    @Test
    void durationsMustBeWholeMilliseconds() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  connectionPool:
                    http:
                      idleTimeout: 1500us
                """)).containsExactly(at(10, "spec.trafficPolicy.connectionPool.http.idleTimeout: only durations to ms"
                + " precision are supported"));
    }

    @Test
    void zeroTcpIdleTimeoutDisablesItAndIsAllowed() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  connectionPool:
                    tcp:
                      idleTimeout: 0s
                """)).isEmpty();
    }

    @Test
    void http2KeepAliveNeedsIntervalAndTimeout() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  connectionPool:
                    http:
                      http2KeepAlive: {}
                """)).containsExactly(
                at(10, "spec.trafficPolicy.connectionPool.http.http2KeepAlive.interval: http2 keepalive interval is"
                        + " required"),
                at(10, "spec.trafficPolicy.connectionPool.http.http2KeepAlive.timeout: http2 keepalive timeout is"
                        + " required"));
    }

    @Test
    void useClientProtocolConflictsWithH2Upgrade() {
        assertThat(errors("""
                host: reviews
                trafficPolicy:
                  connectionPool:
                    http:
                      h2UpgradePolicy: UPGRADE
                      useClientProtocol: true
                """)).containsExactly(at(11, "spec.trafficPolicy.connectionPool.http.useClientProtocol: use client"
                + " protocol must not be true when H2UpgradePolicy is UPGRADE"));
    }

    // ------------------------------------------------------------------ outlier detection

    @Test
    void maxEjectionPercentMustBeAPercentage() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  outlierDetection:
                    maxEjectionPercent: 150
                """)).containsExactly(at(9, "spec.trafficPolicy.outlierDetection.maxEjectionPercent: percentage 150 is"
                + " not in range 0..100"));
    }

    @Test
    void localOriginFailuresNeedSplitExternalLocalOriginErrors() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  outlierDetection:
                    consecutiveLocalOriginFailures: 3
                """)).containsExactly(at(9, "spec.trafficPolicy.outlierDetection.consecutiveLocalOriginFailures:"
                + " outlier detection consecutive local origin failures is specified, but split external local origin"
                + " errors is set to false"));
    }

    @Test
    void outlierIntervalMustBeAtLeastOneMillisecond() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  outlierDetection:
                    interval: 0s
                    baseEjectionTime: 30s
                """)).containsExactly(at(9, "spec.trafficPolicy.outlierDetection.interval: duration must be greater"
                + " than 1ms"));
    }

    @Test
    void outlierErrorCodesMustBeHttpStatuses() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  outlierDetection:
                    outlierDetectionHttpErrorCodes: [503, 99]
                """)).containsExactly(at(9, "spec.trafficPolicy.outlierDetection.outlierDetectionHttpErrorCodes[1]:"
                + " HTTP status 99 is not in range 100-599"));
    }

    // ------------------------------------------------------------------ TLS

    @Test
    void mutualTlsNeedsClientCertificateAndKey() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  tls:
                    mode: MUTUAL
                    caCertificates: /etc/certs/ca.pem
                """)).containsExactly(
                at(8, "spec.trafficPolicy.tls.clientCertificate: client certificate required for mutual tls"),
                at(8, "spec.trafficPolicy.tls.privateKey: private key required for mutual tls"));
    }

    @Test
    void credentialNameExcludesCertificateFiles() {
        assertThat(errors("""
                host: reviews
                trafficPolicy:
                  tls:
                    mode: MUTUAL
                    credentialName: reviews-client
                    clientCertificate: /etc/certs/cert.pem
                    privateKey: /etc/certs/key.pem
                """)).containsExactly(at(8, "spec.trafficPolicy.tls: cannot specify client certificates or CA"
                + " certificate or CA CRL If credentialName is set"));
    }

    @Test
    void insecureSkipVerifyExcludesVerificationSettings() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  tls:
                    mode: SIMPLE
                    insecureSkipVerify: true
                    caCertificates: /etc/certs/ca.pem
                """)).containsExactly(at(8, "spec.trafficPolicy.tls: cannot specify CaCertificates or CredentialName"
                + " or SubjectAltNames when InsecureSkipVerify is set true"));
    }

    @Test
    void certificateFilesAreIgnoredWithIstioMutual() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  tls:
                    mode: ISTIO_MUTUAL
                    clientCertificate: /etc/certs/cert.pem
                """)).containsExactly("warning: " + at(10, "spec.trafficPolicy.tls.clientCertificate:"
                + " clientCertificate is ignored when mode is ISTIO_MUTUAL"));
    }

    // ------------------------------------------------------------------ port level settings

    @Test
    void portLevelSettingsNeedAPort() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  portLevelSettings:
                  - loadBalancer: {simple: RANDOM}
                """)).containsExactly(at(9, "spec.trafficPolicy.portLevelSettings[0].port: portTrafficPolicy must have"
                + " valid port"));
    }

    @Test
    void portLevelSettingsPortNumberMustBeValid() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  portLevelSettings:
                  - port: {number: 70000}
                    loadBalancer: {simple: RANDOM}
                """)).containsExactly(at(9, "spec.trafficPolicy.portLevelSettings[0].port.number: port number 70000"
                + " must be in the range 1..65535"));
    }

    @Test
    void portLevelSettingsNeedAtLeastOnePolicy() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  portLevelSettings:
                  - port: {number: 9080}
                """)).containsExactly(at(9, "spec.trafficPolicy.portLevelSettings[0]: port traffic policy must have at"
                + " least one field"));
    }

    @Test
    void secondPortLevelSettingForTheSamePortIsIgnoredWithAWarning() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  portLevelSettings:
                  - port: {number: 9080}
                    loadBalancer: {simple: RANDOM}
                  - port:
                      number: 9080
                    loadBalancer: {simple: ROUND_ROBIN}
                """)).containsExactly("warning: " + at(12, "spec.trafficPolicy.portLevelSettings[1].port.number: port"
                + " 9080 already has settings at spec.trafficPolicy.portLevelSettings[0]; this entry is ignored"));
    }

    @Test
    void portLevelPoliciesAreValidatedLikeTopLevelOnes() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  portLevelSettings:
                  - port: {number: 9080}
                    outlierDetection: {minHealthPercent: -5}
                """)).containsExactly(at(10, "spec.trafficPolicy.portLevelSettings[0].outlierDetection"
                + ".minHealthPercent: percentage -5 is not in range 0..100"));
    }

    // ------------------------------------------------------------------ retry budget, tunnel

    @Test
    void retryBudgetPercentMustBeAPercentage() {
        assertThat(problems("""
                host: reviews
                trafficPolicy:
                  retryBudget:
                    percent: 150
                """)).containsExactly("warning: " + at(8, "spec.trafficPolicy.retryBudget: \"retryBudget\" is not supported by the client-side mesh and has no effect: retries are limited by attempts and connectionPool.http.maxRetries; a retry budget is not enforced"),
                at(9, "spec.trafficPolicy.retryBudget.percent: percent 150 is not in range"
                + " 0..100"));
    }

    @Test
    void tunnelProtocolIsConnectOrPost() {
        assertThat(errors("""
                host: reviews
                trafficPolicy:
                  tunnel:
                    protocol: GET
                    targetHost: proxy.example.com
                    targetPort: 8080
                """)).containsExactly(at(9, "spec.trafficPolicy.tunnel.protocol: tunnel protocol must be \"CONNECT\" or"
                + " \"POST\""));
    }

    // ------------------------------------------------------------------ exportTo, workloadSelector

    @Test
    void exportToNoneIsNotForDestinationRules() {
        assertThat(problems("""
                host: reviews
                exportTo: ["~"]
                """)).containsExactly(at(7, "spec.exportTo[0]: exportTo ~ (none) is not allowed for Istio configuration"
                + " objects"));
    }

    @Test
    void exportToEntriesAreUnique() {
        assertThat(problems("""
                host: reviews
                exportTo:
                - istio-system
                - istio-system
                """)).containsExactly(at(9, "spec.exportTo[1]: duplicate entries in exportTo for entry istio-system"));
    }

    @Test
    void ruleWithWorkloadSelectorStaysInItsNamespace() {
        assertThat(problems("""
                host: reviews
                workloadSelector:
                  matchLabels: {app: productpage}
                exportTo: [istio-system]
                """)).containsExactly(at(9, "spec.exportTo: destination rule with workload selector cannot have"
                + " exportTo beyond current namespace"));
    }

    @Test
    void workloadSelectorLabelsCannotUseWildcards() {
        assertThat(problems("""
                host: reviews
                workloadSelector:
                  matchLabels:
                    app: product*
                """)).containsExactly(at(9, "spec.workloadSelector.matchLabels.app: wildcard is not supported in"
                + " selector: \"app=product*\""));
    }

    @Test
    void workloadSelectorWithoutLabelsIsAWarning() {
        assertThat(problems("""
                host: reviews
                workloadSelector: {}
                """)).containsExactly("warning: " + at(7, "spec.workloadSelector.matchLabels: workload selector"
                + " specified without labels"));
    }

    @Test
    void everyProblemIsReportedNotOnlyTheFirst() {
        assertThat(problems("""
                host: reviews
                subsets:
                - name: v1
                  labels: {version: v1}
                - name: v1
                  labels: {version: v2}
                  trafficPolicy:
                    loadBalancer:
                      consistentHash:
                        httpHeaderName: x-user
                        maglev: {tableSize: 1000}
                """)).containsExactly(
                at(10, "spec.subsets[1].name: duplicate subset names: v1"),
                at(16, "spec.subsets[1].trafficPolicy.loadBalancer.consistentHash.maglev.tableSize: tableSize must"
                        + " be a prime number for maglev"));
    }
}
