package controller_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/revtr/revtr/store"
	"github.com/revtr/revtr/store/storetest"
)

// TestAbuse throws malformed JSON, huge bodies, bad addresses, wrong
// methods and headers, unicode and 10^5-element batches at a controller:
// every answer is a documented 4xx (or, for what is valid, a 2xx), none a
// 5xx, the controller keeps serving, and nothing is written.
func TestAbuse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := serve(t, dsn, docNets(testConfig("abuse")), nil)
		a := netip.MustParseAddr("192.0.2.1")
		if err := s.store.AddSource(ctx, store.Source{Addr: a}); err != nil {
			t.Fatal(err)
		}
		c := s.client(t, 10, 10, a)
		send := func(method, path string, body any, headers ...string) {
			t.Helper()
			if r := c.Do(method, path, body, headers...); r.Status >= 500 || r.Status < 400 {
				t.Errorf("%s %s %.80v: %d %s", method, path, body, r.Status, r.Body)
			}
		}
		for _, b := range malformed() {
			send("POST", "/api/v1/revtr", b)
			send("POST", "/api/v2/revtr", b, "Content-Type", "text/plain")
		}
		for _, addr := range badAddresses() {
			send("POST", "/api/v1/revtr", fmt.Sprintf(`{"revtrs":[{"src":"192.0.2.1","dst":%q}]}`, addr))
			send("POST", "/api/v1/revtr", fmt.Sprintf(`{"revtrs":[{"src":%q,"dst":"198.51.100.1"}]}`, addr))
			send("POST", "/api/v1/atlas/run", nil, "source", addr)
		}
		for _, label := range []string{"\x00", "a\x01b", "\u0085", strings.Repeat("x", 300)} {
			send("POST", "/api/v1/revtr", map[string]any{"revtrs": []map[string]string{{"src": "192.0.2.1", "dst": "198.51.100.1", "label": label}}})
		}
		for _, p := range []string{"/api/v2/labels/%00/records", "/api/v2/revtr/%01", "/api/v1/revtr?batchid=abc", "/api/v1/revtr?batchid=-1",
			"/api/v1/revtr?batchid=99999999999999", "/api/v1/revtr", "/api/v2/batches/0", "/api/v2/batches/abc/events", "/api/v2/revtr/meta/x"} {
			send("GET", p, nil)
		}
		for _, m := range []string{"PUT", "DELETE", "PATCH"} {
			send(m, "/api/v1/revtr", `{"revtrs":[]}`)
			send(m, "/api/v2/batches/1", nil)
		}
		send("GET", "/api/v2/revtr", nil)
		send("POST", "/api/v1/sources", "{}")
		send("GET", "/api/v1/sources", nil, "Revtr-Key", strings.Repeat("k", 300))
		send("GET", "/api/v1/sources", nil, "Revtr-Key", "revtr_日本語")
		if s.store.Kind() == store.SQLite { // the database has no part in these (and they are slow under -race)
			// 10^5 elements: within the batch limit but over the
			// key's quota; one more than the limit.
			send("POST", "/api/v1/revtr", revtrs(a, []netip.Addr{netip.MustParseAddr("198.51.100.1")}, 100_000, "big"))
			send("POST", "/api/v2/revtr", revtrs(a, []netip.Addr{netip.MustParseAddr("198.51.100.1")}, 100_001, "big"))
			send("POST", "/api/v1/revtr", bytes.Repeat([]byte(" "), 40<<20)) // over the 32 MiB body limit
		}
		fuzz(t, send)
		rawRequests(t, s.url)

		// Still serving, and valid unicode works.
		c.Do("GET", "/api/v2/labels/%E6%97%A5%E6%9C%AC/records", nil).Want(t, 200)
		if today, inFlight := used(t, s); today != 0 || inFlight != 0 {
			t.Errorf("abuse charged the key: %d today, %d in flight", today, inFlight)
		}
		if n, err := s.store.Pending(ctx); err != nil || n != 0 {
			t.Errorf("abuse wrote %d reverse traceroutes (%v)", n, err)
		}
		if _, _, err := s.store.Batch(ctx, 1, 1); err == nil {
			t.Error("abuse wrote a batch")
		}
	})
}

func malformed() []string {
	deep := strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)
	return []string{"", "{", "}", "null", "[]", `"x"`, "1e999", `{"revtrs":"x"}`, `{"revtrs":[1]}`, `{"revtrs":[{"src":1,"dst":2}]}`,
		`{"revtrs":[{"src":"192.0.2.1"}]}`, `{"revtrs":[{"src":"192.0.2.1","dst":"198.51.100.1","bogus":1}]}`,
		`{"revtrs":[{"src":"192.0.2.1","dst":"198.51.100.1","max_spoofers":-1}]}`, `{"revtrs":[{"src":"192.0.2.1","dst":"198.51.100.1","atlas_options":[]}]}`,
		`{"revtrs":[]}`, `{"revtrs":null}`, `{"revtrs":[{"src":"192.0.2.1","dst":"198.51.100.1"}]`, "\xff\xfe{}", deep,
		`{"revtrs":[{"src":"\u0000","dst":"198.51.100.1"}]}`}
}

func badAddresses() []string {
	return []string{"", " ", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.4 ", "256.1.1.1", "1.2.3.4%eth0", "fe80::1%eth0", "::ffff:198.51.100.1",
		"10.0.0.1", "127.0.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "169.254.1.1", "::1", "::", "ff02::1", "2001:db8::1",
		"example.com", "١٢٣.١.١.١", "198.51.100.1/24", strings.Repeat("1", 100)}
}

// fuzz posts seeded random bodies: bytes, and mutations of a body that
// is valid but for its source, which the key may not use (so that no
// mutation can be accepted).
func fuzz(t *testing.T, send func(method, path string, body any, headers ...string)) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	valid := []byte(`{"revtrs":[{"src":"192.0.2.99","dst":"198.51.100.1","label":"ok","atlas_options":{"platforms":["ripe"]}}]}`)
	for range 200 {
		b := make([]byte, rng.IntN(64))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		send("POST", "/api/v1/revtr", b)
		m := bytes.Clone(valid)
		for range 1 + rng.IntN(3) {
			m[rng.IntN(len(m))] = byte(rng.IntN(256))
		}
		send("POST", "/api/v2/revtr", m)
	}
}

// rawRequests sends what no Go client would: broken HTTP, invalid header
// bytes. The server may close the connection, never answer 5xx.
func rawRequests(t *testing.T, base string) {
	t.Helper()
	host := strings.TrimPrefix(base, "http://")
	for _, raw := range []string{
		"GET /api/v1/sources HTTP/1.1\r\nHost: x\r\nRevtr-Key: \xff\xfe\r\n\r\n",
		"POST /api/v1/revtr HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n{",
		"POST /api/v1/revtr HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
		"POST /api/v1/revtr HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"GARBAGE\r\n\r\n",
	} {
		conn, err := net.DialTimeout("tcp", host, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		conn.Write([]byte(raw))
		buf := make([]byte, 512)
		n, _ := conn.Read(buf)
		conn.Close()
		if resp := string(buf[:n]); strings.HasPrefix(resp, "HTTP/1.1 5") {
			t.Errorf("%q: %s", raw, resp)
		}
	}
}
