// Package cli describes a command line as data and makes from that one
// description everything a user reads about it: a Program is a table of
// Commands, each with its usage text and its pflag.FlagSet, and from it
// come the overview (Overview), each command's help (WriteHelp), the bash,
// zsh and fish completion scripts (Bash, Zsh, Fish) and the manual page
// in roff (Man). Nothing is written twice, so none of them can fall
// behind the flags.
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
//
// Package main fills the table; this package knows nothing of sockets.
package cli
