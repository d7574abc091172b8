module github.com/dvspec/go-dvspec

go 1.26

require (
	github.com/attestantio/go-eth2-client v0.29.0
	github.com/google/go-cmp v0.7.0
	github.com/herumi/bls-eth-go-binary v1.37.0
	github.com/leanovate/gopter v0.2.11
	github.com/pk910/dynamic-ssz v1.3.2
	golang.org/x/crypto v0.42.0
)

require (
	github.com/OffchainLabs/go-bitfield v0.0.0-20251031151322-f427d04d8506 // indirect
	github.com/casbin/govaluate v1.10.0 // indirect
	github.com/fatih/color v1.10.0 // indirect
	github.com/goccy/go-yaml v1.9.2 // indirect
	github.com/golang/snappy v1.0.0 // indirect
	github.com/holiman/uint256 v1.3.2 // indirect
	github.com/klauspost/cpuid/v2 v2.3.0 // indirect
	github.com/mattn/go-colorable v0.1.14 // indirect
	github.com/mattn/go-isatty v0.0.20 // indirect
	github.com/pk910/hashtree-bindings v0.2.2 // indirect
	github.com/pkg/errors v0.9.1 // indirect
	golang.org/x/mod v0.23.0 // indirect
	golang.org/x/sync v0.17.0 // indirect
	golang.org/x/sys v0.36.0 // indirect
	golang.org/x/tools v0.30.0 // indirect
	golang.org/x/xerrors v0.0.0-20200804184101-5ec99f83aff1 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

tool github.com/pk910/dynamic-ssz/dynssz-gen
