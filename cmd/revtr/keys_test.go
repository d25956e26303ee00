package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestKeysAndSources runs the key and source commands on a database of
// their own: the key is printed alone on the last line and never again,
// and bad input is refused with a message.
func TestKeysAndSources(t *testing.T) {
	db := filepath.Join(t.TempDir(), "r.db")
	ok := func(args ...string) string {
		t.Helper()
		out, errOut, code := run(t, -1, append(args, "--db", db)...)
		if code != 0 {
			t.Fatalf("revtr %s: exit %d: %s", strings.Join(args, " "), code, errOut)
		}
		return out
	}
	fails := func(want string, args ...string) {
		t.Helper()
		_, errOut, code := run(t, -1, append(args, "--db", db)...)
		if code == 0 || !strings.Contains(errOut, want) {
			t.Errorf("revtr %s: exit %d, %q; want a failure saying %q", strings.Join(args, " "), code, errOut, want)
		}
	}
	fails("add it with 'revtr sources add' first", "keys", "add", "--name", "a", "--sources", "192.0.2.1")
	ok("sources", "add", "192.0.2.1", "--site", "lab1", "--hostname", "s1")
	fails("ParseAddr", "sources", "add", "192.0.2.300")
	lines := strings.Split(strings.TrimSpace(ok("keys", "add", "--name", "alice", "--email", "a@example.org", "--sources", "192.0.2.1", "--per-day", "7")), "\n")
	key := lines[len(lines)-1]
	if !strings.HasPrefix(key, "revtr_") || strings.ContainsAny(key, " \t") || len(lines) != 2 {
		t.Fatalf("keys add printed %q; want a line, then the key alone", lines)
	}
	list := ok("keys", "list")
	if !strings.Contains(list, "alice") || !strings.Contains(list, "192.0.2.1") || strings.Contains(list, key[6:]) {
		t.Errorf("keys list:\n%s", list)
	}
	if src := ok("sources", "list"); !strings.Contains(src, "192.0.2.1") || !strings.Contains(src, "lab1") {
		t.Errorf("sources list:\n%s", src)
	}
	if !strings.HasSuffix(strings.TrimSpace(list), " -") {
		t.Errorf("keys list shows a revocation time before the key is revoked:\n%s", list)
	}
	ok("keys", "revoke", "1")
	if list := ok("keys", "list"); strings.HasSuffix(strings.TrimSpace(list), " -") {
		t.Errorf("keys list after revoke:\n%s", list)
	}
	fails("not found", "keys", "revoke", "99")
	fails("want the number", "keys", "revoke", "x")
	fails("--sources is required", "keys", "add", "--name", "b")
	ok("sources", "remove", "192.0.2.1")
	fails("not found", "sources", "remove", "192.0.2.1")
	if _, errOut, code := run(t, -1, "sources", "list", "--db", "mysql://x"); code == 0 || !strings.Contains(errOut, "want a file path, sqlite:PATH or postgres://") {
		t.Errorf("a MySQL DSN: exit %d, %q", code, errOut)
	}
}
