// Package cli is conntab's command line: every command's options and
// flags, and everything a user reads about them, made from one
// description.
//
// # conntab's commands
//
// Each command has its options and the flags that fill them, as fzf's
// src/options.go defines every option of fzf: ListOptions (list.go),
// TopOptions (top.go), PortsOptions (ports.go), ListenersOptions
// (listeners.go) and ServeOptions (serve.go), each with Flags, its pflag
// definitions, and its usage prose (ListUsage, TopUsage, ...). Conntab
// (conntab.go) puts them into one Program with the overview's sections
// and Hints (hints.go), the answers to ss's and netstat's flags that
// conntab lacks; package main hands it what runs each command (Runs).
// The same definitions parse a command line, and make its help, the
// completion scripts and the man page.
//
// Options are plain values: what the user typed (--source's word, -N as
// given, a file's name), checked where it is parsed when the check is
// the command line's own (a duration, a port, a count). Package main
// turns them into a collect.Config and render's options. This package
// imports only pflag, the standard library, model (a state set, a
// protocol) and analyze (its Thresholds, which --threshold sets by the
// names analyze gives them, so that the help lists each with its
// default): never collect, render, tui or exporter, so that the command
// line can be read, and tested, without them. What it does with the
// host is small and the command line's: NetNSFile (-N's name or path,
// and that it needs root), FilterText (-F's file), StartProfiles
// (--cpuprofile, --memprofile).
//
// # A command line as data
//
// A Program is a table of Commands, each with its usage text and its
// pflag.FlagSet, and from it come the overview (Overview), each command's
// help (WriteHelp), the bash, zsh and fish completion scripts (Bash, Zsh,
// Fish) and the manual page in roff (Man). Nothing is written twice, so
// none of them can fall behind the flags.
//
// Parse parses a command's flags as ss users expect (clusters like -tan,
// -aNblue, a filter after the flags) and says what went wrong in the
// user's words: every error is a *UsageError, which matches ErrUsage
// (exit status 2). A flag the command lacks that users of other tools
// reach for (ss -x, netstat -c) is answered by its Hint: what to use
// instead, or why it is out of scope.
//
// Flags bind to a command's options with pflag's own definitions or with
// Arg (an argument checked by a function) and Switch; CompleteFiles,
// CompleteWords and CompleteNamesIn say how a flag's argument completes.
// Version says what a binary knows of its build (runtime/debug).
package cli
