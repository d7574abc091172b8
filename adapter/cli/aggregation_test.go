package cli

import (
	"flag"
	"io"
	"testing"

	"github.com/dvspec/go-dvspec/adapter/devnet"
	"github.com/dvspec/go-dvspec/adapter/run"
)

// TestAggregationFlagIsTheZeroValue: without the flag, dvnode run and
// devnet mean what a Go user's zero run.Options and devnet.Config mean
// (aggregation on); --aggregation=false is the one way off.
func TestAggregationFlagIsTheZeroValue(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{nil, run.Options{}.NoAggregation},
		{nil, devnet.Config{}.NoAggregation},
		{[]string{"--aggregation"}, false},
		{[]string{"--aggregation=true"}, false},
		{[]string{"--aggregation=false"}, true},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		no := noAggregationFlag(fs, "")
		if err := fs.Parse(tc.args); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if no() != tc.want {
			t.Errorf("%v: NoAggregation %v, want %v", tc.args, no(), tc.want)
		}
	}
}
