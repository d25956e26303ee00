package controller_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/revtr/revtr/controller"
	"github.com/revtr/revtr/store"
	"github.com/revtr/revtr/store/storetest"
)

func get(t *testing.T, client *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestOperations: health and readiness, and the metrics of a batch
// measured.
func TestOperations(t *testing.T) {
	s := serve(t, storetest.SQLite(t), testConfig("ops"), freshBackend(t))
	if code, body := get(t, http.DefaultClient, s.url+"/healthz"); code != 200 || !strings.Contains(body, "ok") {
		t.Errorf("/healthz: %d %s", code, body)
	}
	if code, body := get(t, http.DefaultClient, s.url+"/readyz"); code != 200 || !strings.Contains(body, "ready") {
		t.Errorf("/readyz: %d %s", code, body)
	}
	c := s.client(t, 100, 100)
	var b struct{ BatchID uint32 }
	c.Do("POST", "/api/v1/revtr", revtrs(s.srcs[0], targets(t), 10, "m")).Want(t, 200).JSON(t, &b)
	waitDone(t, c, b.BatchID)
	_, metrics := get(t, http.DefaultClient, s.url+"/metrics")
	for _, want := range []string{`revtr_accepted_total 10`, `revtr_revtrs_total{fail_reason="",stop="REACHES"}`, `revtr_probes_total{type="rr"}`,
		`revtr_api_request_duration_seconds_count{code="200",method="POST",route="POST /api/v1/revtr"} 1`, `revtr_in_flight 0`, `revtr_queue_depth`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// The same batch again: the engines' shared cache answers for what
	// the first one measured.
	c.Do("POST", "/api/v1/revtr", revtrs(s.srcs[0], targets(t), 10, "m2")).Want(t, 200).JSON(t, &b)
	waitDone(t, c, b.BatchID)
	_, metrics = get(t, http.DefaultClient, s.url+"/metrics")
	const hits = `revtr_cache_lookups_total{kind="rr",outcome="hit"} `
	i := strings.Index(metrics, hits)
	if i < 0 || strings.HasPrefix(metrics[i+len(hits):], "0\n") {
		t.Errorf("no Record Route ping of the second batch answered by the cache (%q in /metrics)", hits)
	}
}

// TestTLS serves the API over HTTPS when a certificate is configured.
func TestTLS(t *testing.T) {
	dir := t.TempDir()
	pool := selfSigned(t, dir)
	cfg := testConfig("tls")
	cfg.TLS.Cert, cfg.TLS.Key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	ctx, cancel := context.WithCancel(context.Background())
	st, err := store.Open(ctx, storetest.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := controller.New(ctx, cfg, st, nil, prometheus.NewRegistry(), quietLog())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx, ln) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second}
	if code, _ := get(t, client, "https://"+ln.Addr().String()+"/healthz"); code != 200 {
		t.Errorf("HTTPS /healthz: %d", code)
	}
	if code, _ := get(t, http.DefaultClient, "http://"+ln.Addr().String()+"/healthz"); code != http.StatusBadRequest {
		t.Errorf("plain HTTP to the TLS port: %d, want 400", code)
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key into dir and
// returns a pool that trusts it.
func selfSigned(t *testing.T, dir string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "revtr test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	for name, blk := range map[string]*pem.Block{"cert.pem": {Type: "CERTIFICATE", Bytes: der}, "key.pem": {Type: "EC PRIVATE KEY", Bytes: kb}} {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(blk), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}

// TestPrefixToAS annotates the hops from a configured prefix-to-AS file
// rather than from the backend's own map.
func TestPrefixToAS(t *testing.T) {
	cfg := testConfig("pfx2as")
	cfg.PrefixToAS = filepath.Join(t.TempDir(), "pfx2as")
	if err := os.WriteFile(cfg.PrefixToAS, []byte("10.0.0.0\t8\t65000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := serve(t, storetest.SQLite(t), cfg, backend(t))
	c := s.client(t, 100, 100)
	var b struct{ BatchID uint32 }
	c.Do("POST", "/api/v1/revtr", revtrs(s.srcs[0], targets(t), 5, "asn")).Want(t, 200).JSON(t, &b)
	waitDone(t, c, b.BatchID)
	hops := 0
	for _, rec := range records(t, c.Do("GET", "/api/v2/labels/asn/records", nil).Want(t, 200).Body) {
		for _, h := range rec.Hops {
			if h.HopIP.Is4() && (h.ASN == nil || *h.ASN != 65000 || h.CIDR == nil || *h.CIDR != "10.0.0.0/8") {
				t.Errorf("hop %v annotated %v %v, want 10.0.0.0/8 and AS 65000", h.HopIP, h.CIDR, h.ASN)
			}
			hops++
		}
	}
	if hops == 0 {
		t.Error("no hops")
	}
}
