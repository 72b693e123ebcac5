package analyze

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// A threshold's name on the command line (conntab --threshold NAME=VALUE,
// docs/flags.md): each field of Thresholds, spelt as a flag is.
var thresholdNames = []struct {
	name  string
	field func(*Thresholds) any // *float64 (percent), *int (count), *time.Duration
}{
	{"time-wait-notice", func(th *Thresholds) any { return &th.TimeWaitNotice }},
	{"time-wait-warn", func(th *Thresholds) any { return &th.TimeWaitWarn }},
	{"time-wait-rising", func(th *Thresholds) any { return &th.TimeWaitRising }},
	{"min-interval", func(th *Thresholds) any { return &th.MinInterval }},
	{"ports-notice", func(th *Thresholds) any { return &th.PortsNotice }},
	{"ports-warn", func(th *Thresholds) any { return &th.PortsWarn }},
	{"ports-critical", func(th *Thresholds) any { return &th.PortsCritical }},
	{"close-wait", func(th *Thresholds) any { return &th.CloseWait }},
	{"close-wait-samples", func(th *Thresholds) any { return &th.CloseWaitSamples }},
}

// ThresholdNames are the names Set takes, one per field of Thresholds, in
// the order of docs/flags.md's table: time-wait-notice, ..., close-wait-samples.
func ThresholdNames() []string {
	names := make([]string, len(thresholdNames))
	for i, t := range thresholdNames {
		names[i] = t.name
	}
	return names
}

// Get is the threshold called name as Set reads it: "80" (percent), "10"
// (count), "500ms"; "" for a name ThresholdNames lacks.
func (th *Thresholds) Get(name string) string {
	for _, t := range thresholdNames {
		if t.name == name {
			switch p := t.field(th).(type) {
			case *float64:
				return strconv.FormatFloat(*p, 'f', -1, 64)
			case *int:
				return strconv.Itoa(*p)
			case *time.Duration:
				return p.String()
			}
		}
	}
	return ""
}

// Set sets the threshold called name (ThresholdNames) from value: a
// percentage from 0 to 100 ("80", "80%", "12.5"), a count ("10"), or for
// min-interval a duration ("500ms"). 0 turns a rule off. Set on the zero
// Thresholds starts from DefaultThresholds, since the zero value means
// the defaults wherever Thresholds is taken (sample.Config). The error
// quotes the name or the value, and lists the names.
func (th *Thresholds) Set(name, value string) error {
	if *th == (Thresholds{}) {
		*th = DefaultThresholds()
	}
	for _, t := range thresholdNames {
		if t.name == name {
			if err := setThreshold(t.field(th), value); err != nil {
				return fmt.Errorf("%s=%q: %v", name, value, err)
			}
			if *th == (Thresholds{}) {
				// Every rule off and no shortest interval is the zero
				// value, which means the defaults: a nanosecond keeps it
				// apart, and changes nothing (rates need dt > 0 anyway).
				th.MinInterval = time.Nanosecond
			}
			return nil
		}
	}
	return fmt.Errorf("unknown threshold %q (want one of %s)", name, strings.Join(ThresholdNames(), ", "))
}

// setThreshold parses value into the field p points at.
func setThreshold(p any, value string) error {
	switch p := p.(type) {
	case *float64:
		v, err := strconv.ParseFloat(strings.TrimSuffix(value, "%"), 64)
		if err != nil || math.IsNaN(v) || v < 0 || v > 100 {
			return fmt.Errorf("want a percentage from 0 (off) to 100")
		}
		*p = v
	case *int:
		v, err := strconv.Atoi(value)
		if err != nil || v < 0 {
			return fmt.Errorf("want a whole number, 0 (off) or more")
		}
		*p = v
	case *time.Duration:
		v, err := time.ParseDuration(value)
		if err != nil || v < 0 {
			return fmt.Errorf("want a duration, such as 500ms or 2s")
		}
		*p = v
	}
	return nil
}
