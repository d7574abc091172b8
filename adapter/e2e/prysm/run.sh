#!/usr/bin/env bash
# Opt-in end-to-end test of dvnode against a real beacon node: Prysm v6.0.4
# and geth v1.15.9 on one machine, Electra at genesis, PRESET_BASE interop
# with 8-slot epochs. Prysm's validator client runs interop keys [0, NV); the
# other keys [NV, TOTAL) are split by `dvnode create cluster
# --split-existing-keys` and run by four `dvnode run` processes. After the
# run the DV's duties are checked on chain, from block contents.
#
# Everything listens on 127.0.0.1. Exit status: 0 pass, 1 a duty missed on
# chain or a process died, 2 set-up failure.
#
# Environment (defaults in brackets):
#   PRYSM_BIN_DIR   where the Prysm and geth binaries are, or are built [~/.cache/dvspec-e2e-prysm/bin]
#   E2E_DIR         work directory, emptied first [a new temporary directory]
#   KEEP=1          keep E2E_DIR afterwards (kept anyway on failure)
#   TOTAL [8], NV [4]        validators of the chain, of which Prysm's VC runs [0, NV)
#   NODES [4]                dvnode processes
#   SECONDS_PER_SLOT [4], SLOTS_PER_EPOCH [8]
#   EPOCHS [6]              last epoch checked; checked epochs are FROM_EPOCH..EPOCHS
#   FROM_EPOCH [1]          first epoch checked (epoch 0 includes the nodes' start-up)
#   GENESIS_DELAY [45]      seconds from genesis generation to genesis
#   PORT_BASE [0]           added to every port, to run beside another devnet
#   KILL_NODE [4], KILL_EPOCH [2]  SIGKILL that node at that epoch, restart it two epochs later (KILL_NODE=0: none)
#   DVNODE                  a dvnode binary to run instead of the one built from this tree
#   NO_DV=1                 start no dvnode (the check then fails: a baseline of the chain alone)
#   MODE [remote-signer]    the nodes' architecture: remote-signer, or vc-middleware (each node
#                           serves --validator-api-addr to a Prysm validator client of its own,
#                           in REST mode with --distributed, holding the node's key shares)
#   AGGREGATION=1           the nodes run aggregation duties (dvnode run --aggregation); the
#                           run then also needs aggregates accepted by the beacon node and none failed
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
bin_dir=${PRYSM_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dvspec-e2e-prysm/bin}
total=${TOTAL:-8}
nv=${NV:-4}
nodes=${NODES:-4}
sps=${SECONDS_PER_SLOT:-4}
spe=${SLOTS_PER_EPOCH:-8}
epochs=${EPOCHS:-6}
from_epoch=${FROM_EPOCH:-1}
delay=${GENESIS_DELAY:-45}
pb=${PORT_BASE:-0}
kill_node=${KILL_NODE:-4}
kill_epoch=${KILL_EPOCH:-2}
mode=${MODE:-remote-signer}
fee_recipient=${DV_FEE_RECIPIENT:-0xdf0000000000000000000000000000000000fee5}
prysm_fee_recipient=0x00000000000000000000000000000000000bad00

log() { echo "e2e-prysm: $*" >&2; }
die() { log "$*"; exit 2; }

if [ "$nv" -ge "$total" ] || [ "$nv" -lt 1 ]; then die "NV=$nv must be in [1, TOTAL=$total)"; fi
if [ "$from_epoch" -gt "$epochs" ]; then die "FROM_EPOCH=$from_epoch after EPOCHS=$epochs"; fi
if [ "$kill_node" -gt "$nodes" ]; then die "KILL_NODE=$kill_node: there are $nodes nodes"; fi
if [ "${NO_DV:-}" = 1 ]; then kill_node=0; fi
case "$mode" in remote-signer | vc-middleware) ;; *) die "MODE=$mode: want remote-signer or vc-middleware" ;; esac

if [ -n "${E2E_DIR:-}" ]; then
	work=$E2E_DIR
	rm -rf "$work"
	mkdir -p "$work"
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/dvspec-e2e-prysm.XXXXXX")
fi
work=$(cd "$work" && pwd)
log "work directory $work"

# --- processes: every one started here is stopped by its PID -------------
pids=()
status=2
cleanup() {
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill -TERM "${pids[i]}" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	if [ "$status" -eq 0 ] && [ "${KEEP:-}" != 1 ] && [ -z "${E2E_DIR:-}" ]; then
		rm -rf "$work"
	else
		log "logs and data kept in $work"
	fi
}
trap 'cleanup' EXIT
trap 'exit 2' INT TERM

start() { # start NAME CMD...: runs CMD in the background, output in NAME.log
	local name=$1
	shift
	"$@" >"$work/$name.log" 2>&1 &
	pids+=($!)
	echo $! >"$work/$name.pid"
}

alive() { # fails, naming it, if a started process has exited
	local p name
	for f in "$work"/*.pid; do
		p=$(cat "$f")
		name=$(basename "$f" .pid)
		if ! kill -0 "$p" 2>/dev/null; then
			log "$name (pid $p) exited; last lines of $name.log:"
			tail -n 20 "$work/$name.log" >&2 || true
			return 1
		fi
	done
}

# --- 1. binaries -----------------------------------------------------------
mkdir -p "$work/bin"
(cd "$repo" && go build -o "$work/bin/dvnode" ./adapter/cmd/dvnode && go build -o "$work/bin/prysmtool" ./adapter/e2e/prysm/prysmtool) || die "building dvnode failed"
dvnode=${DVNODE:-$work/bin/dvnode}
[ -x "$dvnode" ] || die "DVNODE=$dvnode is not an executable"
tool=$work/bin/prysmtool

mkdir -p "$bin_dir"
build() { # build NAME PACKAGE: skipped when the binary exists
	if [ -x "$bin_dir/$1" ]; then return; fi
	log "building $1 from $2 (minutes, once)"
	(cd "$here/build" && GOFLAGS=-mod=readonly go build -o "$bin_dir/$1.tmp" "$2") || die "building $1 failed"
	mv "$bin_dir/$1.tmp" "$bin_dir/$1"
}
build beacon-chain-v6.0.4 github.com/OffchainLabs/prysm/v6/cmd/beacon-chain
build validator-v6.0.4 github.com/OffchainLabs/prysm/v6/cmd/validator
build prysmctl-v6.0.4 github.com/OffchainLabs/prysm/v6/cmd/prysmctl
build geth github.com/ethereum/go-ethereum/cmd/geth
geth_src=$(cd "$here/build" && GOFLAGS=-mod=readonly go list -m -f '{{.Dir}}' github.com/ethereum/go-ethereum) || die "go-ethereum sources not found"

# --- 2. the devnet -----------------------------------------------------------
net=$work/net
mkdir -p "$net"
cat >"$net/config.yml" <<EOF
# What kurtosis-style devnets serve: an interop preset base with short epochs.
CONFIG_NAME: interop
PRESET_BASE: interop
SECONDS_PER_SLOT: $sps
SLOTS_PER_EPOCH: $spe
SECONDS_PER_ETH1_BLOCK: $sps
MIN_GENESIS_ACTIVE_VALIDATOR_COUNT: $total
MIN_GENESIS_TIME: 0
GENESIS_DELAY: 0
ETH1_FOLLOW_DISTANCE: 12
EPOCHS_PER_ETH1_VOTING_PERIOD: 2
SHARD_COMMITTEE_PERIOD: 0
MIN_VALIDATOR_WITHDRAWABILITY_DELAY: 1
TERMINAL_TOTAL_DIFFICULTY: 0
DEPOSIT_CHAIN_ID: 32382
DEPOSIT_NETWORK_ID: 32382
DEPOSIT_CONTRACT_ADDRESS: 0x4242424242424242424242424242424242424242
GENESIS_FORK_VERSION: 0x20000089
ALTAIR_FORK_VERSION: 0x20000090
ALTAIR_FORK_EPOCH: 0
BELLATRIX_FORK_VERSION: 0x20000091
BELLATRIX_FORK_EPOCH: 0
CAPELLA_FORK_VERSION: 0x20000092
CAPELLA_FORK_EPOCH: 0
DENEB_FORK_VERSION: 0x20000093
DENEB_FORK_EPOCH: 0
ELECTRA_FORK_VERSION: 0x20000094
ELECTRA_FORK_EPOCH: 0
FULU_FORK_VERSION: 0x20000095
FULU_FORK_EPOCH: 18446744073709551615
EOF
openssl rand -hex 32 >"$net/jwt.hex" 2>/dev/null || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$net/jwt.hex"

gen() { "$bin_dir/prysmctl-v6.0.4" testnet generate-genesis --fork electra --num-validators "$total" --chain-config-file "$net/config.yml" "$@" >>"$work/genesis.log" 2>&1; }
# Twice: the execution genesis prysmctl writes lacks Prague's system
# contracts; the second pass embeds the patched execution genesis' hash.
gen --output-ssz "$net/genesis0.ssz" --geth-genesis-json-out "$net/genesis.json" || die "generate-genesis failed (genesis.log)"
"$tool" patch-genesis --geth-dir "$geth_src" "$net/genesis.json" >>"$work/genesis.log" 2>&1 || die "patch-genesis failed (genesis.log)"
gen --genesis-time-delay "$delay" --output-ssz "$net/genesis.ssz" --geth-genesis-json-in "$net/genesis.json" --geth-genesis-json-out "$net/genesis.json" || die "generate-genesis failed (genesis.log)"
"$bin_dir/geth" --datadir "$net/geth" init --state.scheme=hash "$net/genesis.json" >"$work/geth-init.log" 2>&1 || die "geth init failed (geth-init.log)"

# geth's p2p listener has no host flag; an empty ListenAddr turns it off.
printf '[Node.P2P]\nListenAddr = ""\nNoDiscovery = true\nMaxPeers = 0\n' >"$net/geth.toml"
start geth "$bin_dir/geth" --config "$net/geth.toml" --datadir "$net/geth" --networkid 1337 --ipcdisable \
	--http --http.addr 127.0.0.1 --http.port $((8545 + pb)) --http.api eth,net,web3 \
	--authrpc.addr 127.0.0.1 --authrpc.port $((8551 + pb)) --authrpc.jwtsecret "$net/jwt.hex" \
	--syncmode full --gcmode archive
bn_url=http://127.0.0.1:$((3500 + pb))
start beacon "$bin_dir/beacon-chain-v6.0.4" --datadir "$net/beacon" --accept-terms-of-use --force-clear-db \
	--genesis-state "$net/genesis.ssz" --chain-config-file "$net/config.yml" --chain-id 1337 --contract-deployment-block 0 \
	--interop-eth1data-votes --min-sync-peers 0 --minimum-peers-per-subnet 0 --no-discovery --bootstrap-node= \
	--p2p-host-ip 127.0.0.1 --p2p-local-ip 127.0.0.1 --p2p-tcp-port $((13000 + pb)) --p2p-udp-port $((12000 + pb)) --p2p-quic-port $((13001 + pb)) \
	--rpc-host 127.0.0.1 --rpc-port $((4000 + pb)) --http-host 127.0.0.1 --http-port $((3500 + pb)) \
	--monitoring-host 127.0.0.1 --monitoring-port $((8080 + pb)) \
	--execution-endpoint http://127.0.0.1:$((8551 + pb)) --jwt-secret "$net/jwt.hex" \
	--suggested-fee-recipient $prysm_fee_recipient
start prysm-validator "$bin_dir/validator-v6.0.4" --datadir "$net/validator" --accept-terms-of-use --force-clear-db \
	--chain-config-file "$net/config.yml" --beacon-rpc-provider 127.0.0.1:$((4000 + pb)) \
	--monitoring-host 127.0.0.1 --monitoring-port $((8081 + pb)) \
	--interop-num-validators "$nv" --interop-start-index 0 --suggested-fee-recipient $prysm_fee_recipient

log "waiting for the beacon node at $bn_url"
for i in $(seq 1 120); do
	if curl -sf "$bn_url/eth/v1/beacon/genesis" >/dev/null 2>&1; then break; fi
	alive || exit 2
	[ "$i" -eq 120 ] && die "beacon node did not serve its genesis in 120 s"
	sleep 1
done

# --- 3. the DV's cluster, from the keys Prysm's VC does not run ---------------
echo "e2e-prysm interop keys" >"$work/keys-password.txt"
"$tool" keystores --from "$nv" --to "$total" --password-file "$work/keys-password.txt" --out "$work/validator_keys" >"$work/keystores.log" 2>&1 || die "keystores failed (keystores.log)"
"$dvnode" create cluster --nodes "$nodes" --split-existing-keys "$work/validator_keys" --password-file "$work/keys-password.txt" \
	--beacon-node-url "$bn_url" --fee-recipient "$fee_recipient" --base-port $((9600 + pb)) --kdf pbkdf2 \
	--name "e2e-prysm" --out "$work/cluster" >"$work/create.log" 2>&1 || { cat "$work/create.log" >&2; die "create cluster failed"; }
grep -m1 -i "cluster id" "$work/create.log" >&2 || true

# --- 4. the nodes -------------------------------------------------------------
# NO_DV=1 leaves the nodes out: the check then shows what the chain does without them.
dv_flags=()
if [ "${AGGREGATION:-}" = 1 ]; then dv_flags+=(--aggregation); fi
vapi_addr() { echo "127.0.0.1:$((5050 + pb + $1))"; }
run_node() { # run_node I NAME TRACE
	local mode_flags=()
	if [ "$mode" = vc-middleware ]; then mode_flags=(--mode vc-middleware --validator-api-addr "$(vapi_addr "$1")"); fi
	start "$2" "$dvnode" run --cluster "$work/cluster/cluster.json" --node-dir "$work/cluster/node-$1" \
		--beacon-node-url "$bn_url" --metrics-addr 127.0.0.1:$((9700 + pb + $1)) --trace "$3" "${mode_flags[@]}" "${dv_flags[@]}"
}
for i in $(seq 1 "$nodes"); do
	[ "${NO_DV:-}" = 1 ] && break
	run_node "$i" "dvnode-$i" "$work/trace-node-$i.jsonl"
done
# VC-middleware: one Prysm validator client per node, its wallet holding
# that node's key shares (imported from the node's EIP-2335 keystores), in
# REST mode against the node's validator API. --distributed: selection
# proofs go through the DVT endpoints (beacon_committee_selections,
# sync_committee_selections) to be combined, as charon's VCs do.
if [ "$mode" = vc-middleware ] && [ "${NO_DV:-}" != 1 ]; then
	echo "e2e-prysm wallet password" >"$work/wallet-password.txt"
	for i in $(seq 1 "$nodes"); do
		vd=$work/prysm-vc-$i
		"$bin_dir/validator-v6.0.4" accounts import --accept-terms-of-use --wallet-dir "$vd/wallet" \
			--wallet-password-file "$work/wallet-password.txt" --keys-dir "$work/cluster/node-$i/keystores" \
			--account-password-file "$work/cluster/node-$i/keystore-password.txt" >"$work/prysm-vc-$i-import.log" 2>&1 ||
			die "importing node $i's key shares into a Prysm wallet failed (prysm-vc-$i-import.log)"
		start "prysm-vc-$i" "$bin_dir/validator-v6.0.4" --accept-terms-of-use --force-clear-db --datadir "$vd/db" \
			--wallet-dir "$vd/wallet" --wallet-password-file "$work/wallet-password.txt" \
			--chain-config-file "$net/config.yml" --enable-beacon-rest-api --beacon-rest-api-provider "http://$(vapi_addr "$i")" \
			--distributed --suggested-fee-recipient "$fee_recipient" \
			--monitoring-host 127.0.0.1 --monitoring-port $((8090 + pb + i)) \
			--rpc-host 127.0.0.1 --rpc-port $((7000 + pb + i)) --http-host 127.0.0.1 --http-port $((7500 + pb + i))
	done
fi

# --- 5. run, then check on chain ------------------------------------------------
genesis_time=$(curl -sf "$bn_url/eth/v1/beacon/genesis" | sed -n 's/.*"genesis_time":"\([0-9]*\)".*/\1/p')
[ -n "$genesis_time" ] || die "no genesis_time from $bn_url"
# Attestations of the last checked epoch may be included until the end of
# the next one; one slot more lets that block be imported.
last=$(((epochs + 2) * spe - 1))
end=$((genesis_time + (last + 1) * sps + sps))
log "genesis $(date -u -d @"$genesis_time" +%T), running until slot $last ($(date -u -d @"$end" +%T))"
# One node is SIGKILLed at the start of epoch KILL_EPOCH and started again
# from its directories two epochs later: the other three are the threshold,
# so no duty may be lost, and the restarted node must rejoin.
killed=0
restarted=0
last_log=-1
while [ "$(date +%s)" -lt "$end" ]; do
	alive || { status=1; exit 1; }
	now_slot=$((($(date +%s) - genesis_time) / sps))
	if [ "$kill_node" -gt 0 ] && [ "$killed" = 0 ] && [ "$now_slot" -ge $((kill_epoch * spe)) ]; then
		p=$(cat "$work/dvnode-$kill_node.pid")
		kill -KILL "$p"
		wait "$p" 2>/dev/null || true
		rm "$work/dvnode-$kill_node.pid"
		killed=1
		log "slot $now_slot: dvnode-$kill_node (pid $p) SIGKILLed"
	fi
	if [ "$killed" = 1 ] && [ "$restarted" = 0 ] && [ "$now_slot" -ge $(((kill_epoch + 2) * spe)) ]; then
		# A new trace file: the pre-crash trace is evidence, whatever --trace does to an existing file.
		run_node "$kill_node" "dvnode-$kill_node-restarted" "$work/trace-node-$kill_node.restarted.jsonl"
		restarted=1
		log "slot $now_slot: dvnode-$kill_node restarted"
	fi
	if [ $((now_slot / spe)) -ne "$last_log" ]; then
		last_log=$((now_slot / spe))
		head=$(curl -sf "$bn_url/eth/v1/beacon/headers/head" | sed -n 's/.*"slot":"\([0-9]*\)".*/\1/p' || true)
		log "epoch $last_log: head slot ${head:-?}"
	fi
	sleep "$sps"
done
alive || { status=1; exit 1; }
# Node 1's own duty accounting, while it still runs (the chain is the judge).
if [ "${NO_DV:-}" != 1 ]; then
	curl -sf "127.0.0.1:$((9701 + pb))/metrics" | grep '^dvnode_duties_total' | sed 's/^/e2e-prysm: node 1 /' >&2 || true
	if [ "$mode" = vc-middleware ]; then
		# What Prysm's validator client asked and what it was answered.
		curl -sf "127.0.0.1:$((9701 + pb))/metrics" | grep '^dvnode_vc_requests_total' | sed 's/^/e2e-prysm: node 1 /' >&2 || true
	fi
	# Why shares or events were set aside (aggregation included).
	curl -sf "127.0.0.1:$((9701 + pb))/metrics" | grep -E '^dvnode_(dvc_ignored_total|dvc_step_errors_total|p2p_messages_dropped_total|queue_dropped_total)' | sed 's/^/e2e-prysm: node 1 /' >&2 || true
fi
# Aggregates and sync contributions: a node counts such a duty a success
# when its beacon node answered 200 to POST aggregate_and_proofs
# (contribution_and_proofs), where Prysm verifies the selection proof, the
# aggregator's signature and the aggregate before accepting it. Every live
# node's counters, summed (the restarted node counts from its restart).
# Sync contributions are judged once the nodes run them: none counted by
# a node without them is not a failure, a failed one is.
agg_verdict=0
if [ "${AGGREGATION:-}" = 1 ] && [ "${NO_DV:-}" != 1 ]; then
	for typ in aggregator sync_contribution; do
		t_ok=0
		t_failed=0
		for i in $(seq 1 "$nodes"); do
			m=$(curl -sf "127.0.0.1:$((9700 + pb + i))/metrics" | grep "^dvnode_duties_total{.*type=\"$typ\"" || true)
			ok=$(echo "$m" | awk '/outcome="success"/ {s += $2} END {print s + 0}')
			failed=$(echo "$m" | awk '/outcome="failed"/ {s += $2} END {print s + 0}')
			log "node $i $typ duties: accepted=$ok failed=$failed"
			t_ok=$((t_ok + ok))
			t_failed=$((t_failed + failed))
		done
		echo "BEACON dv $typ accepted=$t_ok failed=$t_failed" | tee -a "$work/aggregates.log"
		if [ "$t_failed" -gt 0 ] || { [ "$typ" = aggregator ] && [ "$t_ok" -eq 0 ]; }; then agg_verdict=1; fi
	done
	if [ "$agg_verdict" = 0 ]; then
		echo "BEACON aggregates result=pass" | tee -a "$work/aggregates.log"
	else
		echo "BEACON aggregates result=fail" | tee -a "$work/aggregates.log"
	fi
fi

if [ "$mode" = vc-middleware ]; then
	echo "ONCHAIN mode=$mode validator_clients=$nodes (Prysm validator-v6.0.4, REST, --distributed)"
else
	echo "ONCHAIN mode=$mode"
fi
set +e
# Prysm's own validator client logs each contribution it submits: where a
# block carries a subcommittee it did not contribute for, another
# aggregator did (the DV's, when the nodes run sync contributions).
"$tool" check --beacon-node-url "$bn_url" --cluster "$work/cluster/cluster.json" --from-epoch "$from_epoch" --to-epoch "$epochs" \
	--baseline-contributions "$work/prysm-validator.log" | tee "$work/check.log"
check=${PIPESTATUS[0]}
set -e
if [ "$agg_verdict" != 0 ]; then check=1; fi
if [ "${NO_DV:-}" != 1 ]; then
	log "dvnode: $(cat "$work"/dvnode-*.log | grep -c 'level=ERROR' || true) error lines; failed duties by type and reason:"
	cat "$work"/dvnode-*.log | grep 'duty failed' | grep -o 'type=[a-z_]* .*reason=[a-z_]*' | sed 's/ validator=[0-9]* slot=[0-9]*//' | sort | uniq -c >&2 || true
fi
untracked=$(grep -c 'could not find tracked proposer index' "$work/beacon.log" || true)
log "beacon node 'could not find tracked proposer index': ${untracked:-0}"
# The traces through the pure spec: every node did what the spec does.
replayed=0
for tr in "$work"/trace-node-*.jsonl; do
	[ -e "$tr" ] || continue
	if ! "$dvnode" replay "$tr" >"$tr.replay.log" 2>&1; then
		log "replay of $(basename "$tr") diverges:"
		tail -n 5 "$tr.replay.log" >&2
		check=1
	fi
	replayed=$((replayed + 1))
done
if [ "$replayed" -gt 0 ]; then
	log "replay: $replayed traces, $(grep -l 'no divergence' "$work"/*.replay.log | wc -l) without divergence"
fi
# The diff is shown, not judged: it still reports a duty whose signature a
# node combined from its peers' shares before its own consensus decided,
# and the last slots before the nodes are stopped (issue 11 item 6).
if [ -e "$work/trace-node-1.jsonl" ] && [ -e "$work/trace-node-2.jsonl" ]; then
	"$dvnode" diff "$work/trace-node-1.jsonl" "$work/trace-node-2.jsonl" >"$work/diff.log" 2>&1 || grep '^DIFF' "$work/diff.log" | head -n 5 >&2
	log "diff nodes 1, 2: $(tail -n 1 "$work/diff.log")"
fi
status=$check
exit "$status"
