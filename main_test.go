package main

import (
	"fmt"
	"os"
	"testing"
)

// TestMain lets a test run the test binary as conntab itself (see
// runAsConntab), so that it can be started as another user or inside a
// namespace without building a second binary. CONNTAB_TEST_REFUSE_SOCK_DIAG=1
// runs it in a sandbox that refuses sock_diag (refuseSockDiag).
func TestMain(m *testing.M) {
	if os.Getenv("CONNTAB_TEST_RUN_MAIN") == "1" {
		if os.Getenv("CONNTAB_TEST_REFUSE_SOCK_DIAG") == "1" {
			if err := refuseSockDiag(); err != nil {
				fmt.Fprintf(os.Stderr, "conntab test: %v\n", err)
				os.Exit(125)
			}
		}
		main()
	}
	os.Exit(m.Run())
}
