package com.gad.stats.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.Set;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.gad.stats.auth.CompactJwt.VerifiedClaims;
import com.gad.stats.support.LocalServicesResource;
import com.gad.stats.support.Tokens;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.smallrye.jwt.runtime.auth.JsonWebTokenCredential;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.jwt.build.Jwt;

/** A remembered identity answers only for the token text that was accepted, and only before its exp. */
@QuarkusTest
@WithTestResource(value = LocalServicesResource.class, scope = TestResourceScope.GLOBAL)
class RememberedIdentitiesTest {

    @Inject
    IdentityProviderManager identities;

    private SecurityIdentity authenticate(String token) {
        return identities.authenticate(new TokenAuthenticationRequest(new JsonWebTokenCredential(token)))
                .await().indefinitely();
    }

    @Test
    void theSecondRequestWithATokenGetsTheIdentityRememberedAtTheFirst() {
        String token = Tokens.forUser(41, Roles.SUPERVISOR);
        SecurityIdentity first = authenticate(token);
        SecurityIdentity second = authenticate(token);
        SecurityIdentity third = authenticate(token);
        // the first is built by the verifier and the augmentor; the others are the one remembered,
        // which only a provider tried before the verifier can hand out
        assertNotSame(first, second);
        assertSame(second, third);
        assertEquals(41L, (Long) third.getAttribute(NumericSubjectAugmentor.USER_ID));
        assertEquals(first.getRoles(), third.getRoles());
        assertEquals(first.getPrincipal().getName(), third.getPrincipal().getName());

        SecurityIdentity other = authenticate(Tokens.forUser(42, Roles.EFECTIVO));
        assertEquals(42L, (Long) authenticate(Tokens.forUser(42, Roles.EFECTIVO)).getAttribute(NumericSubjectAugmentor.USER_ID));
        assertEquals(Set.of(Roles.EFECTIVO), other.getRoles());
    }

    @Test
    void aRefusedTokenIsRefusedEveryTime() {
        String noUserId = Jwt.issuer(Tokens.ISSUER).subject("someone").groups(Set.of(Roles.ADMIN)).expiresIn(600).sign(Tokens.key());
        assertThrows(AuthenticationFailedException.class, () -> authenticate(noUserId));
        assertThrows(AuthenticationFailedException.class, () -> authenticate(noUserId));
        String foreign = Jwt.issuer(Tokens.ISSUER).subject("7").groups(Set.of(Roles.ADMIN)).expiresIn(600).sign(Tokens.otherKey());
        assertThrows(AuthenticationFailedException.class, () -> authenticate(foreign));
    }

    @Test
    void anIdentityIsNotHandedOutPastItsTokensExp() {
        RememberedIdentities remembered = new RememberedIdentities();
        long now = System.currentTimeMillis() / 1000;
        remembered.remember(accepted("live", now + 600), 7);
        remembered.remember(accepted("expired", now - 1), 7);
        assertEquals(7L, (Long) remembered.authenticate(request("live"), null).await().indefinitely()
                .getAttribute(NumericSubjectAugmentor.USER_ID));
        assertNull(remembered.authenticate(request("expired"), null).await().indefinitely());
        assertNull(remembered.authenticate(request("live2"), null).await().indefinitely()); // another text
    }

    private static SecurityIdentity accepted(String token, long exp) {
        CompactJwt jwt = new CompactJwt(token, new VerifiedClaims(Map.of("sub", "7", "exp", exp), exp));
        return QuarkusSecurityIdentity.builder().setPrincipal(jwt).addRole(Roles.EFECTIVO).build();
    }

    private static TokenAuthenticationRequest request(String token) {
        return new TokenAuthenticationRequest(new JsonWebTokenCredential(token));
    }
}
