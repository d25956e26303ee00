package demo

import "syscall"

// childAttr puts a child in its own process group and has the kernel
// send it SIGTERM when the demo dies (a crash included).
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
