package com.gad.stats.auth.rest;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** JSON login body. */
@RegisterForReflection
public record LoginRequest(
        @NotBlank @Size(max = LoginRequest.MAX_EMAIL) String email,
        @NotBlank @Size(max = LoginRequest.MAX_PASSWORD) String password) {

    /** The longest email a user can have (usuarios.email). */
    public static final int MAX_EMAIL = 255;
    /** Longer passwords are refused before bcrypt, which reads only the first 72 bytes anyway. */
    public static final int MAX_PASSWORD = 1024;
}
