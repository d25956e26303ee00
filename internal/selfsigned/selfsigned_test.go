package selfsigned

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestKept: a certificate is made once and kept by later calls; other
// hosts or a damaged key make a new one.
func TestKept(t *testing.T) {
	dir := t.TempDir()
	certPath, keyPath := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca.pem.key")
	first, made, err := Kept(certPath, keyPath, "localhost", "127.0.0.1")
	if err != nil || !made {
		t.Fatalf("first call: made %v, %v", made, err)
	}
	if st, err := os.Stat(keyPath); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v; want mode 0600", st, err)
	}
	again, made, err := Kept(certPath, keyPath, "localhost", "127.0.0.1")
	if err != nil || made || !bytes.Equal(again.Certificate[0], first.Certificate[0]) {
		t.Fatalf("second call: made %v, %v, same certificate %v", made, err, bytes.Equal(again.Certificate[0], first.Certificate[0]))
	}
	other, made, err := Kept(certPath, keyPath, "localhost", "10.1.2.3")
	if err != nil || !made || bytes.Equal(other.Certificate[0], first.Certificate[0]) {
		t.Fatalf("another host: made %v, %v", made, err)
	}
	if err := os.WriteFile(keyPath, []byte("damaged"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, made, err := Kept(certPath, keyPath, "localhost", "10.1.2.3"); err != nil || !made {
		t.Fatalf("damaged key: made %v, %v; want a new certificate", made, err)
	}
}
