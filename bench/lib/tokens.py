#!/usr/bin/env python3
"""Mints RS256 bearer tokens the way the service issues them (iss, sub = user id, upn, groups, exp).

Writes one line per user: "<user id> <token>". The wrk script and the writer read that file.
Usage: tokens.py PRIVATE_KEY_PEM ISSUER OUT_FILE GROUP TTL_SECONDS ID [ID ...]
       an ID may be a range "1-10000".
"""
import sys
import time

import jwt
from cryptography.hazmat.primitives import serialization


def ids(specs):
    for spec in specs:
        if "-" in spec:
            lo, hi = spec.split("-", 1)
            yield from range(int(lo), int(hi) + 1)
        else:
            yield int(spec)


def main():
    key_file, issuer, out_file, group, ttl = sys.argv[1:6]
    # Load the key once: pyjwt parsing the PEM per token costs ~50 ms each.
    with open(key_file, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    exp = int(time.time()) + int(ttl)
    count = 0
    with open(out_file, "w") as out:
        for uid in ids(sys.argv[6:]):
            token = jwt.encode({"iss": issuer, "sub": str(uid), "upn": f"bench{uid}@bench.gad.local",
                                "groups": [group], "exp": exp, "iat": int(time.time())},
                               key, algorithm="RS256")
            out.write(f"{uid} {token}\n")
            count += 1
    print(f"{count} tokens -> {out_file}", file=sys.stderr)


if __name__ == "__main__":
    main()
