package io.proxyless.mesh.api;

import java.time.Duration;
import java.util.List;

/**
 * Istio {@code JWTRule}: how the workloads a {@link RequestAuthentication} selects validate one issuer's JWTs.
 *
 * @param issuer                the {@code iss} a token must carry
 * @param audiences             accepted {@code aud} values; any one suffices
 * @param jwksUri               where the issuer's public keys are fetched from
 * @param jwks                  the issuer's public keys, inline (JSON Web Key Set)
 * @param fromHeaders           headers the token is read from (default: {@code Authorization: Bearer})
 * @param fromParams            query parameters the token is read from (default: {@code access_token})
 * @param outputPayloadToHeader header the verified payload is passed on in
 * @param forwardOriginalToken  whether the token is kept on the request passed on
 * @param outputClaimToHeaders  claims copied into request headers
 * @param fromCookies           cookies the token is read from
 * @param timeout               how long fetching {@code jwksUri} may take
 */
public record JWTRule(
        String issuer,
        List<String> audiences,
        String jwksUri,
        String jwks,
        List<JWTHeader> fromHeaders,
        List<String> fromParams,
        String outputPayloadToHeader,
        Boolean forwardOriginalToken,
        List<ClaimToHeader> outputClaimToHeaders,
        List<String> fromCookies,
        Duration timeout) {

    public JWTRule {
        audiences = Immutables.list(audiences);
        fromHeaders = Immutables.list(fromHeaders);
        fromParams = Immutables.list(fromParams);
        outputClaimToHeaders = Immutables.list(outputClaimToHeaders);
        fromCookies = Immutables.list(fromCookies);
    }

    public static JWTRule of(String issuer, String jwksUri) {
        return new JWTRule(issuer, List.of(), jwksUri, null, List.of(), List.of(), null, null, List.of(), List.of(),
                null);
    }
}
