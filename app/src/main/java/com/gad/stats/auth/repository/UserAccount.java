package com.gad.stats.auth.repository;

/**
 * The login-relevant columns of a {@code usuarios} row; {@code locked} is
 * {@code bloqueado_hasta > now()} as the database sees it.
 */
public record UserAccount(long id, String email, int nivel, String hashedPassword, boolean activo, boolean locked) {
}
