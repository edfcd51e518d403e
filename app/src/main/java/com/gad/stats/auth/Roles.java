package com.gad.stats.auth;

/** Roles carried in the token's {@code groups} claim, derived from {@code usuarios.nivel}. */
public final class Roles {

    public static final String EFECTIVO = "efectivo";
    public static final String SUPERVISOR = "supervisor";
    public static final String ADMIN = "admin";

    private Roles() {
    }

    /** nivel 1 efectivo, 2 supervisor, 3 administrador. */
    public static String fromNivel(int nivel) {
        return switch (nivel) {
            case 3 -> ADMIN;
            case 2 -> SUPERVISOR;
            default -> EFECTIVO;
        };
    }
}
