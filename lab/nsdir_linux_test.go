package lab

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// The tests below change /run/netns the way iproute2 does on a machine
// where other labs may be up. They run in a child test process with a
// mount namespace of its own and a fresh /run, so that nothing they mount
// or unmount is seen outside: the namespaces they create die with that
// mount namespace at the latest.

// mountNSEnv names, in the child process, the test it runs.
const mountNSEnv = "REVTR_LAB_TEST_MOUNTNS"

// inOwnMountNS runs the calling test again in a child process with its own
// mount namespace and a fresh tmpfs on /run, and fails if the child fails
// or does not pass. It returns true in the child, false in the parent.
func inOwnMountNS(t *testing.T) bool {
	t.Helper()
	if os.Getenv(mountNSEnv) == t.Name() {
		if err := unix.Mount("revtr-labtest", "/run", "tmpfs", 0, "mode=0755"); err != nil {
			t.Fatalf("mount a fresh /run: %v", err)
		}
		return true
	}
	needRoot(t)
	needTool(t, "ip")
	needTool(t, "mount")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1", "-test.timeout=5m")
	cmd.Env = append(os.Environ(), mountNSEnv+"="+t.Name())
	// With CLONE_NEWNS the child also makes every mount private first.
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	out, err := cmd.CombinedOutput()
	t.Logf("child test process:\n%s", out)
	if err != nil {
		t.Fatalf("child test process: %v", err)
	}
	if !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("child test process did not pass %s", t.Name())
	}
	return false
}

// ipNetns runs `ip netns ARGS...` (iproute2), failing the test on error.
func ipNetns(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.Command("ip", append([]string{"netns"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip netns %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// nsDirLine returns the mountinfo line of the mount on nsDir that path
// lookups reach, "" if nsDir is not a mount point.
func nsDirLine(t *testing.T) string {
	t.Helper()
	var stx unix.Statx_t
	err := unix.Statx(unix.AT_FDCWD, nsDir, 0, unix.STATX_MNT_ID, &stx)
	if errors.Is(err, unix.ENOENT) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for l := range strings.Lines(string(b)) {
		if f := strings.Fields(l); len(f) > 4 && f[0] == strconv.FormatUint(stx.Mnt_id, 10) && f[4] == nsDir {
			return l
		}
	}
	return ""
}

// mountsOf counts the mounts on namespace files of lab, covered or not.
func mountsOf(t *testing.T, lab string) int {
	t.Helper()
	mt, err := readMounts()
	if err != nil {
		t.Fatal(err)
	}
	n, prefix := 0, filepath.Join(nsDir, labPrefix(lab))
	for _, m := range mt {
		if strings.HasPrefix(m.point, prefix) {
			n++
		}
	}
	return n
}

// TestIPNetnsAddWhileUp: a lab is up on a machine where iproute2 never
// ran; `ip netns add` creates its first namespace; the lab comes down
// completely. Up made /run/netns a shared mount point, so iproute2
// mounted nothing over the lab's namespaces.
func TestIPNetnsAddWhileUp(t *testing.T) {
	if !inOwnMountNS(t) {
		return
	}
	if line := nsDirLine(t); line != "" {
		t.Fatalf("fresh /run: %s is already a mount point: %s", nsDir, line)
	}
	tp := chain(t, 2)
	l := upLab(t, tp)
	line := nsDirLine(t)
	if line == "" || !strings.Contains(line, " shared:") {
		t.Fatalf("after Up, %s is not a shared mount point: %q", nsDir, line)
	}
	other := "iproute2-" + l.Name()
	ipNetns(t, "add", other)
	defer ipNetns(t, "del", other)
	if got := nsDirLine(t); got != line {
		t.Errorf("ip netns add changed the mount on %s:\nbefore %safter  %s", nsDir, line, got)
	}
	if err := l.Down(); err != nil {
		t.Fatalf("Down: %v", err)
	}
	if left, _ := listNS(labPrefix(l.Name())); len(left) > 0 {
		t.Errorf("after Down, namespace files remain: %v", left)
	}
	if n := mountsOf(t, l.Name()); n > 0 {
		t.Errorf("after Down, %d mounts of the lab's namespaces remain", n)
	}
	if _, err := os.Stat(statePath(StateDir, l.Name())); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after Down, state file: %v", err)
	}
	ipNetns(t, "exec", other, "true") // iproute2's namespace is untouched
}

// TestDownCovered: another program's namespace is mounted in the plain
// /run/netns, so Up leaves the directory alone (binding it would cover
// that namespace); then `ip netns add` covers both. Down cannot reach the
// covered mounts and says so with ErrCovered and what to do; doing it
// removes the lab completely and leaves the other namespaces working.
func TestDownCovered(t *testing.T) {
	if !inOwnMountNS(t) {
		return
	}
	name := uniqueName()
	legacy := "legacy-" + name // as vishvananda/netns.NewNamed makes them
	h, err := createNS(legacy, nil)
	if err != nil {
		t.Fatal(err)
	}
	h.Close()
	l := upLab(t, chain(t, 2))
	if line := nsDirLine(t); line != "" {
		t.Fatalf("Up made %s a mount point over another namespace: %s", nsDir, line)
	}
	other := "iproute2-" + name
	ipNetns(t, "add", other)
	defer ipNetns(t, "del", other)
	if nsDirLine(t) == "" {
		t.Fatalf("ip netns add made no mount on %s: nothing to test", nsDir)
	}
	err = l.Down()
	if !errors.Is(err, ErrCovered) {
		t.Fatalf("Down of a covered lab: %v, want ErrCovered", err)
	}
	aside := nsDir + ".aside"
	for _, want := range []string{"mkdir " + aside + " && mount --move " + nsDir + " " + aside,
		"revtr lab down --name " + l.Name(), "mount --move " + aside + " " + nsDir + " && rmdir " + aside} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Down's error does not say %q: %v", want, err)
		}
	}
	if n := mountsOf(t, l.Name()); n != len(l.Topology().Nodes) {
		t.Errorf("%d mounts of the lab remain, want %d (the covered ones)", n, len(l.Topology().Nodes))
	}
	// The other program's namespace is covered too.
	if err := deleteNS(legacy); !errors.Is(err, ErrCovered) {
		t.Errorf("deleting the other program's namespace: %v, want ErrCovered", err)
	}
	// What the error says, with Remove for `revtr lab down`.
	runHost(t, "mkdir", aside)
	runHost(t, "mount", "--move", nsDir, aside)
	rerr, lerr := Remove(l.Name()), deleteNS(legacy)
	runHost(t, "mount", "--move", aside, nsDir)
	runHost(t, "rmdir", aside)
	if rerr != nil || lerr != nil {
		t.Fatalf("with the mount moved aside: Remove %v, removing the other namespace %v", rerr, lerr)
	}
	if left, _ := listNS(labPrefix(l.Name())); len(left) > 0 {
		t.Errorf("namespace files remain: %v", left)
	}
	if n := mountsOf(t, l.Name()); n > 0 {
		t.Errorf("%d mounts of the lab's namespaces remain", n)
	}
	ipNetns(t, "exec", other, "true") // iproute2's namespace works again
}

// runHost runs a command outside the lab, failing the test on error.
func runHost(t *testing.T, argv ...string) {
	t.Helper()
	if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v: %s", strings.Join(argv, " "), err, out)
	}
}
