// Package ripetest is a stand-in for the RIPE Atlas REST API v2 that
// tests of RIPE Atlas users run on loopback, so that no test reaches the
// Internet. A Server answers each API key's one-off traceroute
// measurements with the traces the test gave it, in RIPE Atlas's result
// format, or with a RIPE Atlas error; it records what it was asked. The
// shapes (creation answer, measurement object, results, error body) are
// those recorded in atlas/ripe/testdata.
package ripetest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/revtr/revtr/meas"
)

// Answer is what a key's measurements answer: Traces as their results,
// one probe each, or, when Status is set, an error body with that HTTP
// status and Detail to the creation request.
type Answer struct {
	Traces []meas.Trace
	Status int
	Detail string
}

// Credits is the answer of an account that cannot pay: HTTP 400 with
// RIPE Atlas's credit refusal (testdata/error-credits.json).
var Credits = Answer{Status: http.StatusBadRequest, Detail: "You do not have enough credits to schedule this measurement."}

// Request is one request the server got.
type Request struct {
	Method, Path string
	// Auth is the Authorization header; Key the "key" URL parameter
	// (RIPE Atlas accepts either).
	Auth, Key string
	Body      []byte // creation requests' JSON body
}

// Server serves the RIPE Atlas API on a loopback port until its test ends.
type Server struct {
	// URL is the API's base, as ripe.Provider.BaseURL takes it
	// (http://127.0.0.1:port/api/v2).
	URL string

	mu       sync.Mutex
	answers  map[string]Answer // by key
	msms     map[uint64]string // measurement ID to its key
	next     uint64
	requests []Request
}

// NewServer starts a server that t's end closes.
func NewServer(t testing.TB) *Server {
	s := &Server{answers: map[string]Answer{}, msms: map[uint64]string{}, next: 98765432}
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	s.URL = hs.URL + "/api/v2"
	return s
}

// Answer sets what key's measurements answer; a key without one is
// refused as RIPE Atlas refuses an unknown key.
func (s *Server) Answer(key string, a Answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers[key] = a
}

// Requests returns the requests so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ServeHTTP answers one API request.
func (s *Server) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var body []byte
	if req.Method == http.MethodPost {
		var raw json.RawMessage
		if json.NewDecoder(req.Body).Decode(&raw) != nil {
			writeError(w, http.StatusBadRequest, "Bad Request", "JSON parse error")
			return
		}
		body = raw
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := req.URL.Query().Get("key")
	s.requests = append(s.requests, Request{Method: req.Method, Path: req.URL.Path, Auth: req.Header.Get("Authorization"), Key: key, Body: body})
	if k, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Key "); ok {
		key = k
	}
	a, known := s.answers[key]
	if !known {
		writeError(w, http.StatusForbidden, "Forbidden", "The provided API key does not exist")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	rest, _ := strings.CutPrefix(req.URL.Path, "/api/v2/measurements/")
	switch {
	case req.Method == http.MethodPost && rest == "":
		s.create(w, key, a, body)
	case req.Method == http.MethodGet:
		var id uint64
		var tail string
		if n, _ := fmt.Sscanf(rest, "%d/%s", &id, &tail); n < 1 || s.msms[id] != key || (tail != "" && tail != "results/") {
			writeError(w, http.StatusNotFound, "Not Found", "Not found.")
			return
		}
		if tail == "" {
			json.NewEncoder(w).Encode(measurement(id, a))
			return
		}
		json.NewEncoder(w).Encode(Results(id, a.Traces))
	default:
		writeError(w, http.StatusNotFound, "Not Found", "Not found.")
	}
}

// create answers a creation request: a new measurement's ID, or a's
// error.
func (s *Server) create(w http.ResponseWriter, key string, a Answer, body []byte) {
	if a.Status != 0 {
		writeError(w, a.Status, http.StatusText(a.Status), a.Detail)
		return
	}
	var c struct {
		Definitions []struct {
			Target string `json:"target"`
			Type   string `json:"type"`
		} `json:"definitions"`
	}
	if json.Unmarshal(body, &c) != nil || len(c.Definitions) != 1 || c.Definitions[0].Type != "traceroute" {
		writeError(w, http.StatusBadRequest, "Bad Request", "There were problems with your request")
		return
	}
	s.next++
	s.msms[s.next] = key
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string][]uint64{"measurements": {s.next}})
}

// writeError writes RIPE Atlas's error body.
func writeError(w http.ResponseWriter, status int, title, detail string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"status": status, "code": 104, "title": title, "detail": detail, "errors": []any{}}})
}

// measurement is the measurement object of a stopped one-off: every
// probe scheduled has reported.
func measurement(id uint64, a Answer) map[string]any {
	target := ""
	if len(a.Traces) > 0 {
		target = a.Traces[0].Dst.String()
	}
	n := len(a.Traces)
	return map[string]any{
		"id": id, "af": 4, "type": "traceroute", "is_oneoff": true, "protocol": "ICMP", "paris": 16,
		"target": target, "target_ip": target, "probes_requested": n, "probes_scheduled": n, "participant_count": n,
		"status":      map[string]any{"id": 4, "name": "Stopped", "when": time.Now().Unix()},
		"description": "revtr atlas toward " + target,
	}
}

// Results is traces as the results of measurement id (to encode as
// JSON), one probe each (probe IDs from 1001), in RIPE Atlas's result format: three
// replies per answering hop, three timeouts per silent one; the trace's
// Src is the probe's address.
func Results(id uint64, traces []meas.Trace) []map[string]any {
	out := []map[string]any{}
	for i, tr := range traces {
		var hops []map[string]any
		for j, h := range tr.Hops {
			var replies []map[string]any
			for k := 0; k < 3; k++ {
				if !h.Addr.IsValid() {
					replies = append(replies, map[string]any{"x": "*"})
					continue
				}
				rtt := float64(h.RTT.Microseconds())/1000 + float64(k)/100
				replies = append(replies, map[string]any{"from": h.Addr.String(), "rtt": rtt, "size": 76, "ttl": 250 - j})
			}
			hops = append(hops, map[string]any{"hop": j + 1, "result": replies})
		}
		out = append(out, map[string]any{
			"fw": 5080, "mver": "2.6.2", "lts": 21, "endtime": time.Now().Unix(), "timestamp": time.Now().Unix(),
			"dst_name": tr.Dst.String(), "dst_addr": tr.Dst.String(), "src_addr": tr.Src.String(), "from": tr.Src.String(),
			"proto": "ICMP", "af": af(tr.Dst), "size": 48, "paris_id": 16, "result": hops,
			"msm_id": id, "prb_id": 1001 + i, "msm_name": "Traceroute", "type": "traceroute", "group_id": id,
		})
	}
	return out
}

func af(a netip.Addr) int {
	if a.Is6() {
		return 6
	}
	return 4
}
