package cli

import (
	"errors"
	"strings"
	"testing"

	"github.com/conntab/conntab/analyze"
)

// --threshold sets thresholds by name, as often as it is given, over the
// defaults; a name analyze does not know is a usage error that lists
// every name, and the help lists them with their defaults.
func TestThresholdFlag(t *testing.T) {
	o := DefaultPortsOptions()
	if _, err := Parse(o.Flags(), []string{"--threshold", "ports-warn=15", "--threshold=close-wait=3", "--check"}, nil); err != nil {
		t.Fatal(err)
	}
	want := analyze.DefaultThresholds()
	want.PortsWarn, want.CloseWait = 15, 3
	if o.Thresholds != want || !o.Check {
		t.Errorf("thresholds %+v, want %+v", o.Thresholds, want)
	}

	var l ListOptions // no defaults of its own: the zero value is analyze's
	if _, err := Parse(l.Flags(), []string{"--flags", "--threshold", "time-wait-warn=60"}, nil); err != nil {
		t.Fatal(err)
	}
	want = analyze.DefaultThresholds()
	want.TimeWaitWarn = 60
	if l.Thresholds != want {
		t.Errorf("list: thresholds %+v, want %+v", l.Thresholds, want)
	}

	for _, args := range [][]string{{"--threshold", "ports-wran=70"}, {"--threshold", "ports-warn"}, {"--threshold", "ports-warn=lots"}} {
		o := DefaultTopOptions()
		_, err := Parse(o.Flags(), args, nil)
		if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "flag --threshold: ") || !strings.Contains(err.Error(), `"`) {
			t.Errorf("%q: err = %v, want a usage error quoting it", args, err)
		}
		if args[1] != "ports-warn=lots" && !strings.Contains(err.Error(), strings.Join(analyze.ThresholdNames(), ", ")) {
			t.Errorf("%q: %v does not list the names", args, err)
		}
	}

	var help strings.Builder
	o = DefaultPortsOptions()
	if err := WriteHelp(&help, PortsUsage, o.Flags()); err != nil {
		t.Fatal(err)
	}
	flat := strings.Join(strings.Fields(help.String()), " ")
	for _, name := range analyze.ThresholdNames() {
		if d := analyze.DefaultThresholds(); !strings.Contains(flat, name+"="+d.Get(name)) {
			t.Errorf("the help does not list %s with its default:\n%s", name, help.String())
		}
	}
}
