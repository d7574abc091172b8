#!/usr/bin/env python3
"""Independent computation of the cluster ID of a cluster.json file.

Standard library only. Reads the JSON form described in SPEC.md section 11,
builds the SSZ ClusterDefinition container with every validator_index empty
and prints its hash tree root (0x-prefixed hex), which is the cluster ID. spec/cluster/definition_test.go compares it with the Go code.

    python3 cluster_root.py path/to/cluster.json
"""
import hashlib
import json
import sys

ZERO = [b"\x00" * 32]
for _ in range(64):
    ZERO.append(hashlib.sha256(ZERO[-1] + ZERO[-1]).digest())


def merkleize(chunks, limit):
    """SSZ merkleize: pad the chunk list to the next power of two of limit."""
    assert len(chunks) <= limit
    depth = max(limit - 1, 0).bit_length()
    layer = list(chunks)
    for d in range(depth):
        if len(layer) % 2:
            layer.append(ZERO[d])
        layer = [hashlib.sha256(layer[i] + layer[i + 1]).digest() for i in range(0, len(layer), 2)]
    return layer[0] if layer else ZERO[depth]


def mix_in_length(root, n):
    return hashlib.sha256(root + n.to_bytes(32, "little")).digest()


def pack(b):
    b = bytes(b)
    if len(b) % 32:
        b += b"\x00" * (32 - len(b) % 32)
    return [b[i:i + 32] for i in range(0, len(b), 32)]


def uint64(n):
    return n.to_bytes(8, "little") + b"\x00" * 24


def byte_vector(b):
    return merkleize(pack(b), (len(b) + 31) // 32)


def byte_list(b, max_len):
    return mix_in_length(merkleize(pack(b), (max_len + 31) // 32), len(b))


def composite_list(roots, max_len):
    return mix_in_length(merkleize(roots, max_len), len(roots))


def container(roots):
    return merkleize(roots, len(roots))


def h(s, n):
    assert s.startswith("0x")
    b = bytes.fromhex(s[2:])
    assert len(b) == n
    return b


def cluster_root(c):
    net = c["network"]
    forks = [container([byte_vector(h(f["version"], 4)), uint64(int(f["epoch"]))]) for f in net["forks"]]
    network = container([
        byte_list(net["name"].encode(), 64),
        byte_vector(h(net["genesis_validators_root"], 32)),
        uint64(int(net["slots_per_epoch"])),
        composite_list(forks, 16),
    ])
    operators = [container([
        uint64(int(o["index"])),
        byte_vector(h(o["node_public_key"], 32)),
    ]) for o in c["operators"]]  # the address is not part of the cluster ID
    validators = []
    for v in c["distributed_validators"]:
        # The cluster ID leaves validator_index out (SPEC.md 11.4): hash it
        # as the empty list whatever the file says.
        idx = []
        idx_root = mix_in_length(merkleize(pack(b"".join(i.to_bytes(8, "little") for i in idx)), 1), len(idx))
        shares = [byte_vector(h(s, 48)) for s in v["public_shares"]]
        wa = [] if v["withdrawal_address"] is None else [byte_vector(h(v["withdrawal_address"], 20))]
        validators.append(container([
            byte_vector(h(v["public_key"], 48)),
            idx_root,
            byte_vector(h(v["fee_recipient"], 20)),
            composite_list(wa, 1),
            composite_list(shares, 256),
        ]))
    return container([
        uint64(int(c["version"])),
        byte_list(c["name"].encode(), 256),
        uint64(int(c["threshold"])),
        network,
        composite_list(operators, 256),
        composite_list(validators, 2**40),
    ])


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        print("0x" + cluster_root(json.load(f)).hex())
