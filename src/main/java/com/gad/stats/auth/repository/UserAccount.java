package com.gad.stats.auth.repository;

/** The login-relevant columns of a {@code usuarios} row. */
public record UserAccount(long id, String email, int nivel, String hashedPassword, boolean activo) {
}
