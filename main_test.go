package main

import (
	"os"
	"testing"
)

// TestMain lets a test run the test binary as conntab itself (see
// runAsConntab), so that it can be started as another user or inside a
// namespace without building a second binary.
func TestMain(m *testing.M) {
	if os.Getenv("CONNTAB_TEST_RUN_MAIN") == "1" {
		main()
	}
	os.Exit(m.Run())
}
