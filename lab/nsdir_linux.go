package lab

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// The directory of named namespaces, nsDir, is shared with iproute2 and
// other tools. Before it creates its first namespace, iproute2 makes the
// directory a mount point (a recursive bind mount of itself) and marks it
// shared, so that namespace mounts propagate to mount namespaces created
// later. Done while namespaces are already mounted in the plain
// directory, that bind mount covers them: their files stay visible through
// copies of the mounts, but the originals underneath can no longer be
// unmounted, the namespaces live on and the files cannot be removed
// (EBUSY). prepareNSDir does iproute2's step first, so that iproute2 finds
// a shared mount point and mounts nothing; deleteNS recognises a covered
// mount and says what to do.

// prepareNSDir creates nsDir and makes it a shared mount point, as
// iproute2 does (ip/ipnetns.c), under the same lock iproute2 takes. When
// the directory is not a mount point yet but already holds mounted
// namespaces — another program's, made without this step — it is left
// alone: binding it now would cover those namespaces.
func prepareNSDir() error {
	if err := os.MkdirAll(nsDir, 0o755); err != nil {
		return fmt.Errorf("prepare %s: %w", nsDir, err)
	}
	fd, err := unix.Open(nsDir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("prepare %s: %w", nsDir, err)
	}
	defer unix.Close(fd)
	if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
		return fmt.Errorf("prepare %s: lock: %w", nsDir, err)
	}
	defer unix.Flock(fd, unix.LOCK_UN)
	err = makeShared()
	if !errors.Is(err, unix.EINVAL) { // nil: already a mount point
		return err
	}
	// EINVAL: not a mount point yet.
	var stx unix.Statx_t
	if err := unix.Statx(unix.AT_FDCWD, nsDir, 0, unix.STATX_MNT_ID, &stx); err != nil {
		return fmt.Errorf("prepare %s: %w", nsDir, err)
	}
	mounts, err := readMounts()
	if err != nil {
		return err
	}
	if mounts.in(nsDir, int(stx.Mnt_id)) > 0 {
		return nil
	}
	if err := unix.Mount(nsDir, nsDir, "none", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("prepare %s: bind mount: %w", nsDir, err)
	}
	return makeShared()
}

func makeShared() error {
	err := unix.Mount("", nsDir, "none", unix.MS_SHARED|unix.MS_REC, "")
	if err != nil {
		return fmt.Errorf("prepare %s: make shared: %w", nsDir, err)
	}
	return nil
}

// maxStacked bounds the mounts deleteNS takes off one namespace file
// (normally one).
const maxStacked = 8

// deleteNS unmounts and removes a named namespace. The kernel frees the
// namespace, its interfaces and its nftables tables once nothing holds it.
// It fails with ErrCovered when a mount of the namespace lies under a
// later mount of nsDir (see prepareNSDir).
func deleteNS(name string) error {
	p := filepath.Join(nsDir, name)
	for range maxStacked {
		err := unix.Unmount(p, unix.MNT_DETACH)
		if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOENT) {
			break // not (or no longer) a mount point
		}
		if err != nil {
			return fmt.Errorf("unmount namespace %s: %w", name, err)
		}
	}
	err := os.Remove(p)
	if err == nil || errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if errors.Is(err, unix.EBUSY) {
		if mounts, merr := readMounts(); merr == nil && mounts.at(p) > 0 {
			return fmt.Errorf("namespace %s: %w", name, ErrCovered)
		}
	}
	return fmt.Errorf("remove namespace %s: %w", name, err)
}

// mountTable lists the mounts of this mount namespace, stacked and
// covered ones included.
type mountTable []mount

type mount struct {
	id, parent int
	point      string
}

// readMounts reads /proc/self/mountinfo (proc(5)): a line starts with the
// mount's ID, its parent's ID, the device, the root and the mount point,
// in which space, tab, newline and backslash are octal escapes.
func readMounts() (mountTable, error) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("read mounts: %w", err)
	}
	var t mountTable
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		id, err1 := strconv.Atoi(f[0])
		parent, err2 := strconv.Atoi(f[1])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("read mounts: bad line %q", line)
		}
		t = append(t, mount{id: id, parent: parent, point: unescapeOctal(f[4])})
	}
	return t, nil
}

// at counts the mounts on path.
func (t mountTable) at(path string) int {
	n := 0
	for _, m := range t {
		if m.point == path {
			n++
		}
	}
	return n
}

// in counts the mounts below dir (not on it) whose parent is mount
// parent: those in the directory as seen through that mount. Mounts of
// the same path hidden under another mount do not count.
func (t mountTable) in(dir string, parent int) int {
	n := 0
	for _, m := range t {
		if m.parent == parent && strings.HasPrefix(m.point, dir+"/") {
			n++
		}
	}
	return n
}

// unescapeOctal undoes the kernel's \ooo escapes.
func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
