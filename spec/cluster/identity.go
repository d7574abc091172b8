package cluster

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"math/big"
	"net/netip"
	"strconv"
	"strings"
)

var (
	edP = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	// edD = -121665/121666 mod p
	edD = func() *big.Int {
		num := new(big.Int).Sub(edP, big.NewInt(121665))
		inv := new(big.Int).ModInverse(big.NewInt(121666), edP)
		return num.Mul(num, inv).Mod(num, edP)
	}()
	edHalf = new(big.Int).Rsh(new(big.Int).Sub(edP, big.NewInt(1)), 1)
)

// ValidateEd25519PublicKey checks that pk is the canonical RFC 8032
// encoding of a point on the Ed25519 curve: 32 bytes, y < p, and x^2 =
// (y^2 - 1) / (d y^2 + 1) has a square root. The two points with x = 0
// (the identity and the point of order 2) are refused too: no honest key
// is either.
func ValidateEd25519PublicKey(pk []byte) error {
	if len(pk) != ed25519.PublicKeySize {
		return fmt.Errorf("ed25519 public key of %d bytes, want 32", len(pk))
	}
	le := make([]byte, 32)
	copy(le, pk)
	le[31] &= 0x7f
	be := make([]byte, 32)
	for i := range le {
		be[31-i] = le[i]
	}
	y := new(big.Int).SetBytes(be)
	if y.Cmp(edP) >= 0 {
		return errors.New("ed25519 public key: non-canonical y coordinate")
	}
	y2 := new(big.Int).Mul(y, y)
	y2.Mod(y2, edP)
	u := new(big.Int).Sub(y2, big.NewInt(1))
	u.Mod(u, edP)
	v := new(big.Int).Mul(edD, y2)
	v.Add(v, big.NewInt(1)).Mod(v, edP)
	vinv := new(big.Int).ModInverse(v, edP)
	if vinv == nil {
		return errors.New("ed25519 public key: not a curve point")
	}
	x2 := new(big.Int).Mul(u, vinv)
	x2.Mod(x2, edP)
	if x2.Sign() == 0 {
		return errors.New("ed25519 public key: degenerate point (x = 0)")
	}
	if new(big.Int).Exp(x2, edHalf, edP).Cmp(big.NewInt(1)) != 0 {
		return errors.New("ed25519 public key: not a curve point")
	}
	return nil
}

// ValidateMultiaddr checks an operator address: a libp2p multiaddr in text
// form, /<network>/<host>/<transport>/<port>[/<suffix>...], where network
// is ip4 (an IPv4 address), ip6 (an IPv6 address) or dns, dns4, dns6 (a
// host name), transport is tcp or udp with a port in 1..65535, and the
// optional suffix components are quic-v1, quic, ws, wss, webtransport,
// p2p/<peer id> (p2p takes a value). Other multiaddr protocols are refused.
func ValidateMultiaddr(addr string) error {
	if !strings.HasPrefix(addr, "/") {
		return fmt.Errorf("address %q: a multiaddr starts with /", addr)
	}
	parts := strings.Split(addr[1:], "/")
	if len(parts) < 4 {
		return fmt.Errorf("address %q: want /<ip4|ip6|dns|dns4|dns6>/<host>/<tcp|udp>/<port>", addr)
	}
	for _, p := range parts {
		if p == "" {
			return fmt.Errorf("address %q: empty component", addr)
		}
	}
	host := parts[1]
	switch parts[0] {
	case "ip4":
		if ip, err := netip.ParseAddr(host); err != nil || !ip.Is4() {
			return fmt.Errorf("address %q: %q is not an IPv4 address", addr, host)
		}
	case "ip6":
		if ip, err := netip.ParseAddr(host); err != nil || !ip.Is6() || ip.Zone() != "" {
			return fmt.Errorf("address %q: %q is not an IPv6 address", addr, host)
		}
	case "dns", "dns4", "dns6":
		if len(host) > 253 || strings.ContainsAny(host, " \t") {
			return fmt.Errorf("address %q: %q is not a host name", addr, host)
		}
	default:
		return fmt.Errorf("address %q: unsupported network protocol %q", addr, parts[0])
	}
	if parts[2] != "tcp" && parts[2] != "udp" {
		return fmt.Errorf("address %q: transport %q, want tcp or udp", addr, parts[2])
	}
	port, err := strconv.ParseUint(parts[3], 10, 16)
	if err != nil || port == 0 || (len(parts[3]) > 1 && parts[3][0] == '0') {
		return fmt.Errorf("address %q: port %q, want 1..65535", addr, parts[3])
	}
	for i := 4; i < len(parts); i++ {
		switch parts[i] {
		case "quic-v1", "quic", "ws", "wss", "webtransport":
		case "p2p":
			if i+1 >= len(parts) {
				return fmt.Errorf("address %q: p2p without a peer id", addr)
			}
			i++
		default:
			return fmt.Errorf("address %q: unsupported protocol %q", addr, parts[i])
		}
	}
	return nil
}
