//go:build !linux

package demo

import "syscall"

// childAttr is the default elsewhere: no parent-death signal there, so a
// crashed demo leaves its controller running.
func childAttr() *syscall.SysProcAttr { return nil }
