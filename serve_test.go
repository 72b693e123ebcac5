package main

import (
	"testing"
)

func TestServeUsageErrors(t *testing.T) {
	checkUsageErrors(t, []usageCase{
		{[]string{"serve", "--listen", "10311"}, `"10311"`},
		{[]string{"serve", "--top", "-1"}, `"-1"`},
		{[]string{"serve", "--timeout", "5ms"}, `"5ms"`},
		{[]string{"serve", "--source", "kernel"}, `"kernel"`},
		{[]string{"serve", "stray"}, `"stray"`},
	})
}
