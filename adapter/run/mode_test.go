package run

import (
	"errors"
	"strings"
	"testing"
)

func TestModeFlagsRefusedNamingTheFlag(t *testing.T) {
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{Mode: "middleware"}, `--mode "middleware"`},
		{Options{Mode: ModeVCMiddleware}, "--validator-api-addr"},
		{Options{ValidatorAPIAddr: "127.0.0.1:0"}, "--validator-api-addr is for --mode vc-middleware"},
		{Options{Mode: ModeVCMiddleware, ValidatorAPIAddr: "127.0.0.1:0", SignerURL: "http://127.0.0.1:9000"}, "--signer-url"},
		{Options{Mode: ModeVCMiddleware, ValidatorAPIAddr: "127.0.0.1:0", SignerListen: "unix:/tmp/s"}, "--signer-listen"},
	} {
		err := checkMode(tc.o)
		var ce *ConfigError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want a configuration error naming %q", tc.o, err, tc.want)
		}
	}
	for _, o := range []Options{{}, {Mode: ModeRemoteSigner, SignerURL: "http://127.0.0.1:9000"}, {Mode: ModeVCMiddleware, ValidatorAPIAddr: "127.0.0.1:0"}} {
		if err := checkMode(o); err != nil {
			t.Errorf("%+v refused: %v", o, err)
		}
	}
}
