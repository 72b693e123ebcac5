package cli

import (
	"os"
	"runtime"
	"runtime/pprof"
)

// StartProfiles starts a CPU profile into the file cpu and returns what
// stops it and writes a heap profile into the file mem; "" skips either.
// They are for measuring a whole session of a long-running command
// (conntab top --cpuprofile, --memprofile), which go test cannot.
func StartProfiles(cpu, mem string) (stop func(), err error) {
	var cpuFile *os.File
	if cpu != "" {
		if cpuFile, err = os.Create(cpu); err != nil {
			return nil, FileError("--cpuprofile", cpu, err)
		}
		if err := pprof.StartCPUProfile(cpuFile); err != nil {
			cpuFile.Close()
			return nil, err
		}
	}
	return func() {
		if cpuFile != nil {
			pprof.StopCPUProfile()
			cpuFile.Close()
		}
		if mem != "" {
			if f, err := os.Create(mem); err == nil {
				runtime.GC()
				pprof.WriteHeapProfile(f)
				f.Close()
			}
		}
	}, nil
}
