package analyze

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// Every field of Thresholds has a name, and setting it by that name sets
// that field and no other.
func TestThresholdNames(t *testing.T) {
	names := ThresholdNames()
	if n := reflect.TypeFor[Thresholds]().NumField(); len(names) != n {
		t.Fatalf("%d names for %d fields: %v", len(names), n, names)
	}
	seen := map[int]string{}
	for _, name := range names {
		th := DefaultThresholds()
		if err := th.Set(name, "0"); err != nil {
			t.Fatalf("Set(%q, 0): %v", name, err)
		}
		before, after := reflect.ValueOf(DefaultThresholds()), reflect.ValueOf(th)
		changed := -1
		for i := range before.NumField() {
			if !before.Field(i).Equal(after.Field(i)) {
				if changed >= 0 {
					t.Errorf("%s set two fields", name)
				}
				changed = i
			}
		}
		if changed < 0 {
			t.Fatalf("%s set no field", name)
		}
		if other, ok := seen[changed]; ok {
			t.Errorf("%s and %s set the same field", name, other)
		}
		seen[changed] = name
	}
}

func TestThresholdSet(t *testing.T) {
	var th Thresholds // the zero value: the defaults, then the change
	for _, nv := range [][2]string{{"ports-warn", "70"}, {"ports-critical", "90%"}, {"close-wait", "3"}, {"min-interval", "2s"}, {"time-wait-rising", "12.5"}} {
		if err := th.Set(nv[0], nv[1]); err != nil {
			t.Fatalf("Set(%q, %q): %v", nv[0], nv[1], err)
		}
	}
	want := DefaultThresholds()
	want.PortsWarn, want.PortsCritical, want.CloseWait, want.MinInterval, want.TimeWaitRising = 70, 90, 3, 2*time.Second, 12.5
	if th != want {
		t.Errorf("got %+v\nwant %+v", th, want)
	}
	if got := th.Get("ports-critical") + " " + th.Get("min-interval") + " " + th.Get("close-wait"); got != "90 2s 3" {
		t.Errorf("Get: %q", got)
	}
	for _, nv := range [][3]string{
		{"ports-wran", "70", `unknown threshold "ports-wran" (want one of time-wait-notice, `},
		{"ports-warn", "101", `ports-warn="101": want a percentage`},
		{"ports-warn", "NaN", `ports-warn="NaN": want a percentage`},
		{"close-wait", "-1", `close-wait="-1": want a whole number`},
		{"close-wait", "2.5", `close-wait="2.5": want a whole number`},
		{"min-interval", "soon", `min-interval="soon": want a duration`},
	} {
		before := th
		err := th.Set(nv[0], nv[1])
		if err == nil || !strings.Contains(err.Error(), nv[2]) {
			t.Errorf("Set(%q, %q) = %v, want %q", nv[0], nv[1], err, nv[2])
		}
		if th != before {
			t.Errorf("Set(%q, %q) failed and changed %+v", nv[0], nv[1], th)
		}
	}
}

// Every rule turned off is not the zero value, which means the defaults.
func TestThresholdsAllOff(t *testing.T) {
	var th Thresholds
	for _, name := range ThresholdNames() {
		if err := th.Set(name, "0"); err != nil {
			t.Fatal(err)
		}
	}
	if th == (Thresholds{}) || th.PortsSeverity(199, 199) != SeverityNone {
		t.Errorf("every rule off: %+v", th)
	}
}
