package bpfevents

// The objects are committed, so that a build needs neither clang nor
// bpftool. To rebuild them (clang, llvm-strip and libbpf's headers, as
// Debian's clang, llvm and libbpf-dev packages install them):
//
//	bpftool btf dump file /sys/kernel/btf/vmlinux format c > vmlinux.h
//	go generate ./collect/bpfevents
//
// vmlinux.h is not committed: CO-RE relocates every field the programs
// read against the running kernel's BTF when they are loaded, so the
// header of any recent kernel will do.
//go:generate go run github.com/cilium/ebpf/cmd/bpf2go -cc clang -cflags "-O2 -g -Wall -Werror" -target amd64,arm64 events events.c
