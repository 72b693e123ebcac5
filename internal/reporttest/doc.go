// Package reporttest holds what the tests of the report writers (render)
// and of the command line (package main) share: synthetic hosts, the
// reports built on them, and the golden-file check. It is for tests only.
//
// A fixture lives here, not in internal/modeltest, when it needs the
// analyses (analyze, audit, names): modeltest is imported by their own
// tests, and must not import them back.
package reporttest
