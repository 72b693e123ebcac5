package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// Version is what "NAME --version" says of a binary built as info says
// (debug.ReadBuildInfo's): its module version, the commit it was built
// from and whether the tree had changes, and the Go that built it. What
// the binary does not know is said to be unknown, with why: go build
// -buildvcs=false, or a build outside a git checkout, stamps no commit.
func Version(name string, info *debug.BuildInfo, ok bool) string {
	version, goVersion := "unknown", runtime.Version()
	settings := map[string]string{}
	if ok && info != nil {
		version = info.Main.Version
		if version == "" {
			version = "(devel)"
		}
		if info.GoVersion != "" {
			goVersion = info.GoVersion
		}
		for _, s := range info.Settings {
			settings[s.Key] = s.Value
		}
	}
	commit := "unknown (the binary carries no version control stamp: built with -buildvcs=false or outside a git checkout)"
	if rev := settings["vcs.revision"]; rev != "" {
		var notes []string
		if t := settings["vcs.time"]; t != "" {
			notes = append(notes, t)
		}
		switch settings["vcs.modified"] {
		case "true":
			notes = append(notes, "with uncommitted changes")
		case "false":
			notes = append(notes, "clean")
		}
		commit = rev
		if len(notes) > 0 {
			commit += " (" + strings.Join(notes, ", ") + ")"
		}
	}
	return fmt.Sprintf("%s %s\ncommit %s\ngo     %s %s/%s\n", name, version, commit, goVersion, runtime.GOOS, runtime.GOARCH)
}
