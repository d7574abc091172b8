#!/usr/bin/env python3
"""Independent known answers for consensus/qbft (standard library plus the
`cryptography` package for Ed25519). Written from SPEC.md section 8 and the SSZ
specification, not from the Go code. Run: python3 gen.py > known_answers.json
"""
import hashlib
import json
import struct

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization


def sha256(b):
    return hashlib.sha256(b).digest()


# ---- SSZ ----
ZERO = [b"\x00" * 32]
for _ in range(64):
    ZERO.append(sha256(ZERO[-1] + ZERO[-1]))


def merkleize(chunks, limit=None):
    n = len(chunks)
    if limit is None:
        limit = n
    assert n <= limit
    depth = 0
    while (1 << depth) < limit:
        depth += 1
    layer = list(chunks)
    for d in range(depth):
        if len(layer) % 2 == 1:
            layer.append(ZERO[d])
        layer = [sha256(layer[i] + layer[i + 1]) for i in range(0, len(layer), 2)]
    return layer[0] if layer else ZERO[depth]


def mix_in_length(root, n):
    return sha256(root + struct.pack("<Q", n) + b"\x00" * 24)


def u64(v):
    return struct.pack("<Q", v)


def u64_root(v):
    return u64(v) + b"\x00" * 24


def pack_bytes(b):
    chunks = [b[i:i + 32] for i in range(0, len(b), 32)]
    if chunks and len(chunks[-1]) < 32:
        chunks[-1] = chunks[-1] + b"\x00" * (32 - len(chunks[-1]))
    return chunks


def bytes_vector_root(b):
    return merkleize(pack_bytes(b))


def byte_list_root(b, limit):
    return mix_in_length(merkleize(pack_bytes(b), (limit + 31) // 32), len(b))


MAX_VALUE = 10 * 1024 * 1024
MAX_NODES = 256


# InstanceID {cluster: Bytes32, validator: Bytes48, duty_type: uint64, slot: uint64}
def instance_ser(i):
    return i["cluster"] + i["validator"] + u64(i["duty_type"]) + u64(i["slot"])


def instance_root(i):
    return merkleize([i["cluster"], bytes_vector_root(i["validator"]), u64_root(i["duty_type"]), u64_root(i["slot"])])


# Message {type, instance, round, sender, digest, prepared_round: List[uint64,1], prepared_digest: List[Bytes32,1]}
def message_ser(m):
    pr = b"".join(u64(x) for x in m["prepared_round"])
    pd = b"".join(m["prepared_digest"])
    fixed = u64(m["type"]) + instance_ser(m["instance"]) + u64(m["round"]) + u64(m["sender"]) + m["digest"]
    off1 = len(fixed) + 8
    off2 = off1 + len(pr)
    return fixed + struct.pack("<I", off1) + struct.pack("<I", off2) + pr + pd


def message_root(m):
    pr = mix_in_length(merkleize(pack_bytes(b"".join(u64(x) for x in m["prepared_round"])), 1), len(m["prepared_round"]))
    pd = mix_in_length(merkleize(list(m["prepared_digest"]), 1), len(m["prepared_digest"]))
    return merkleize([u64_root(m["type"]), instance_root(m["instance"]), u64_root(m["round"]),
                      u64_root(m["sender"]), m["digest"], pr, pd])


def payload_ser(p):
    msg = message_ser(p["message"])
    return struct.pack("<I", 4 + 64) + p["signature"] + msg


def payload_root(p):
    return merkleize([message_root(p["message"]), bytes_vector_root(p["signature"])])


def list_ser(items, ser):
    parts = [ser(x) for x in items]
    out, off = b"", 4 * len(parts)
    for part in parts:
        out += struct.pack("<I", off)
        off += len(part)
    return out + b"".join(parts)


def signed_ser(s):
    parts = [message_ser(s["message"]), s["value"], list_ser(s["round_changes"], payload_ser),
             list_ser(s["prepares"], payload_ser), list_ser(s["commits"], payload_ser)]
    fixed_len = 4 + 64 + 4 * 4
    off = fixed_len
    offsets = []
    for part in parts:
        offsets.append(off)
        off += len(part)
    out = struct.pack("<I", offsets[0]) + s["signature"]
    for o in offsets[1:]:
        out += struct.pack("<I", o)
    return out + b"".join(parts)


def payload_list_root(items):
    return mix_in_length(merkleize([payload_root(p) for p in items], MAX_NODES), len(items))


def signed_root(s):
    return merkleize([message_root(s["message"]), bytes_vector_root(s["signature"]),
                      byte_list_root(s["value"], MAX_VALUE), payload_list_root(s["round_changes"]),
                      payload_list_root(s["prepares"]), payload_list_root(s["commits"])])


# ---- QBFT definitions (SPEC.md section 8) ----
DOMAIN = b"DVQB" + b"\x00" * 28


def signing_root(m):
    return sha256(message_root(m) + DOMAIN)


def key(i):
    seed = sha256(("dvspec/qbft/node/%d" % i).encode())
    return Ed25519PrivateKey.from_private_bytes(seed)


def pub(i):
    return key(i).public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def sign(i, m):
    return key(i).sign(signing_root(m))


def quorum(n):
    return (2 * n - 1) // 3 + 1 if n else 0


def faulty(n):
    return (n - 1) // 3 if n else 0


def leader(inst, r, n):
    s = struct.unpack("<Q", sha256(inst["cluster"] + inst["validator"] + u64(inst["duty_type"]))[:8])[0]
    return 1 + (s % n + inst["slot"] % n + r % n) % n


def round_timeout_ms(r):
    return min(1000 + 1000 * r, 6000)


def round_deadline_ms(r):
    return sum(round_timeout_ms(i) for i in range(min(r, 64) + 1))


def hexs(b):
    return "0x" + b.hex()


INST = {"cluster": bytes([0xc1]) + b"\x00" * 31, "validator": bytes([0xaa, 0x01]) + b"\x00" * 46,
        "duty_type": 1, "slot": 100}
INST2 = {"cluster": sha256(b"cluster"), "validator": sha256(b"v1") + sha256(b"v2")[:16], "duty_type": 2,
         "slot": 123456789}


def msg(t, sender, rnd, digest, pr=None, pd=None, inst=INST):
    return {"type": t, "instance": inst, "round": rnd, "sender": sender, "digest": digest,
            "prepared_round": [] if pr is None else [pr], "prepared_digest": [] if pd is None else [pd]}


def signed(m, value=b"", rcs=(), prepares=(), commits=()):
    return {"message": m, "signature": sign(m["sender"], m), "value": value,
            "round_changes": list(rcs), "prepares": list(prepares), "commits": list(commits)}


def payload(m):
    return {"message": m, "signature": sign(m["sender"], m)}


vA = b"value-A"
dA = sha256(vA)
msgs = {
    "prepare_round0": signed(msg(2, 2, 0, dA)),
    "commit_round3_inst2": signed(msg(3, 3, 3, dA, inst=INST2)),
    "round_change_unprepared": signed(msg(4, 1, 1, b"\x00" * 32)),
    "round_change_prepared": signed(msg(4, 4, 2, b"\x00" * 32, pr=1, pd=dA), vA,
                                    prepares=[payload(msg(2, s, 1, dA)) for s in (1, 2, 3)]),
    "proposal_round1_reproposal": signed(msg(1, 2, 1, dA), vA,
                                         rcs=[payload(msg(4, 1, 1, b"\x00" * 32, pr=0, pd=dA)),
                                              payload(msg(4, 3, 1, b"\x00" * 32)),
                                              payload(msg(4, 4, 1, b"\x00" * 32))],
                                         prepares=[payload(msg(2, s, 0, dA)) for s in (1, 2, 3)]),
    "decided": signed(msg(5, 2, 0, dA), vA, commits=[payload(msg(3, s, 0, dA)) for s in (1, 3, 4)]),
}

out = {
    "quorum": {str(n): [quorum(n), faulty(n)] for n in range(0, 21)},
    "round_timeout_ms": {str(r): [round_timeout_ms(r), round_deadline_ms(r)] for r in list(range(0, 12)) + [63, 64, 65]},
    "leaders": [{"instance": k, "n": n, "rounds": [leader(inst, r, n) for r in range(0, 12)]}
                for k, inst in (("INST", INST), ("INST2", INST2)) for n in (1, 3, 4, 7, 10, 256)],
    "public_keys": {str(i): hexs(pub(i)) for i in range(1, 5)},
    "digest_value_A": hexs(dA),
    "domain": hexs(DOMAIN),
    "messages": {name: {"ssz": hexs(signed_ser(s)), "root": hexs(signed_root(s)),
                        "message_root": hexs(message_root(s["message"])),
                        "signing_root": hexs(signing_root(s["message"])),
                        "signature": hexs(s["signature"])}
                 for name, s in msgs.items()},
}
print(json.dumps(out, indent=1, sort_keys=True))
