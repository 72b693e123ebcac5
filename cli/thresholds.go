package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/conntab/conntab/analyze"
)

// thresholdFlag is --threshold NAME=VALUE, repeatable, into th: the
// thresholds of docs/flags.md, by the names analyze.ThresholdNames
// gives them. A threshold not named keeps its default; th left zero
// means the defaults to every reader of analyze.Thresholds. what says
// what the thresholds judge in this command.
func thresholdFlag(fs *pflag.FlagSet, th *analyze.Thresholds, what string) {
	defaults := analyze.DefaultThresholds()
	var named []string
	for _, name := range analyze.ThresholdNames() {
		named = append(named, name+"="+defaults.Get(name))
	}
	help := fmt.Sprintf("set one of the thresholds that raise %s, as docs/flags.md explains them; repeatable; 0 turns a rule off. The names, with their defaults: %s",
		what, strings.Join(named, ", "))
	Arg(fs, "threshold", "", "NAME=VALUE", help, func(v string) error {
		name, value, ok := strings.Cut(v, "=")
		if !ok {
			return fmt.Errorf("%q: want NAME=VALUE, such as ports-warn=70, NAME one of %s", v, strings.Join(analyze.ThresholdNames(), ", "))
		}
		return th.Set(strings.TrimSpace(name), strings.TrimSpace(value))
	})
}
