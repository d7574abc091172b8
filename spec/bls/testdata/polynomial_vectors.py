#!/usr/bin/env python3
"""Independent reference for bls.PolynomialFromSeed and bls.Split.

Standard library only (hashlib, hmac), written from the EIP-2333 text and the
doc comment of PolynomialFromSeed, so that the Go known answers in
vectors_test.go come from outside the Go code. Run: python3 polynomial_vectors.py
"""
import hashlib
import hmac

R = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001
TAG = b"DVSPEC-BLS-POLYNOMIAL-V1"


def hkdf_extract(salt: bytes, ikm: bytes) -> bytes:
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def hkdf_expand(prk: bytes, info: bytes, length: int) -> bytes:
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def hkdf_mod_r(ikm: bytes, key_info: bytes = b"") -> int:
    salt = b"BLS-SIG-KEYGEN-SALT-"
    sk = 0
    while sk == 0:
        salt = hashlib.sha256(salt).digest()
        prk = hkdf_extract(salt, ikm + b"\x00")
        okm = hkdf_expand(prk, key_info + (48).to_bytes(2, "big"), 48)
        sk = int.from_bytes(okm, "big") % R
    return sk


def polynomial_from_seed(secret: int, threshold: int, seed: bytes) -> list:
    ikm = secret.to_bytes(32, "big") + seed
    coeffs = [secret]
    for j in range(1, threshold):
        info = TAG + threshold.to_bytes(4, "big") + j.to_bytes(4, "big")
        coeffs.append(hkdf_mod_r(ikm, info))
    return coeffs


def evaluate(coeffs: list, x: int) -> int:
    acc = 0
    for a in reversed(coeffs):
        acc = (acc * x + a) % R
    return acc


def interop_sk(i: int) -> int:
    digest = hashlib.sha256(i.to_bytes(32, "little")).digest()
    return int.from_bytes(digest, "little") % R


CASES = [
    # (name, secret, threshold, n, seed)
    ("interop0_m3_n4", interop_sk(0), 3, 4, b"go-dvspec polynomial vector"),
    ("interop1_m7_n10_empty_seed", interop_sk(1), 7, 10, b""),
    ("interop2_m1_n2", interop_sk(2), 1, 2, b"\x00" * 32),
]

if __name__ == "__main__":
    for name, secret, m, n, seed in CASES:
        coeffs = polynomial_from_seed(secret, m, seed)
        print(name)
        print("  seed   %s" % seed.hex())
        for j, a in enumerate(coeffs):
            print("  a_%d    %064x" % (j, a))
        for i in range(1, n + 1):
            print("  f(%d)   %064x" % (i, evaluate(coeffs, i)))
