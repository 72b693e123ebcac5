package main

import (
	"fmt"
	"os"
	"strings"
)

// netnsPath turns what -N was given into a namespace file: a name as `ip
// netns` keeps them, or a path (/proc/PID/ns/net).
func netnsPath(v string) string {
	if strings.ContainsRune(v, '/') {
		return v
	}
	return "/run/netns/" + v
}

// netnsFile is the namespace file for what -N was given, "" for none.
// Entering another namespace takes CAP_SYS_ADMIN: without root, asking
// for one is an error that says so, before anything is read.
func netnsFile(given string) (string, error) {
	if given == "" {
		return "", nil
	}
	if os.Geteuid() != 0 {
		return "", fmt.Errorf("reading another network namespace (%s) needs root (CAP_SYS_ADMIN to enter it)", given)
	}
	return netnsPath(given), nil
}
