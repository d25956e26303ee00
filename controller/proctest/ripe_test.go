package proctest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/revtr/revtr/atlas"
	"github.com/revtr/revtr/atlas/ripe/ripetest"
	"github.com/revtr/revtr/controller"
	"github.com/revtr/revtr/meas"
)

// RIPE Atlas keys of the test: one that pays, one without credits.
const (
	ripeKey     = "ripe-proctest-key-5d1c0e7a"
	ripePoorKey = "ripe-proctest-poor-key-93fa2b61"
)

// ripeAtlas builds the first source's atlas through atlas/run with a
// RIPE-Key, RIPE Atlas being rs on loopback. Its "probes" are lab hosts
// and their traceroutes the lab's ground truth toward the source, so the
// Record Route pings that follow, sent by the source's agent, reach only
// the lab's addresses. The stored atlas must hold those paths with the
// pings' reverse hops; the key must reach RIPE Atlas as its API expects
// and be neither logged nor stored. Then a key without credits: the
// build fails with RIPE's reason and the atlas stays as it was.
func ripeAtlas(a *agentsLab, rs *ripetest.Server) {
	t, tp := a.t, a.l.Topology()
	src := a.sources[0]
	var traces []meas.Trace
	hops := map[netip.Addr]bool{}
	for _, id := range tp.Hosts() {
		h := tp.HostAddr(id, false)
		if tp.Nodes[id].Role.Source || len(traces) == 4 {
			continue
		}
		truth, err := tp.TraceTruth(h, src, meas.Flow{Proto: meas.ICMP, ID: 16})
		if err != nil {
			t.Fatal(err)
		}
		tr := meas.Trace{Src: h, Dst: src}
		for i, th := range truth {
			tr.Hops = append(tr.Hops, meas.Hop{TTL: i + 1, Addr: th.Addr, RTT: time.Duration(i+1) * time.Millisecond})
			if th.Addr != src {
				hops[th.Addr] = true
			}
		}
		traces = append(traces, tr)
	}
	rs.Answer(ripeKey, ripetest.Answer{Traces: traces})
	rs.Answer(ripePoorKey, ripetest.Credits)

	st := a.runAtlas(src, ripeKey)
	if st.State != "done" || st.Provider != "ripe" || st.PathsProvider != "ripe" || st.Paths != len(traces) || st.Traces != len(traces) || st.RRPings != len(hops) {
		t.Fatalf("RIPE atlas of %v: %+v; want done, %d paths, %d Record Route pings", src, st, len(traces), len(hops))
	}
	stored := a.storedAtlas(src)
	var paths []*atlas.Path
	if err := json.Unmarshal(stored, &paths); err != nil {
		t.Fatal(err)
	}
	revealed := 0
	for i, p := range paths {
		want := traces[i].Path()
		if p.VP != traces[i].Src || !slices.Equal(p.Hops, want) || !p.Complete() {
			t.Errorf("stored path %d: from %v hops %v; RIPE answered from %v hops %v", i, p.VP, p.Hops, traces[i].Src, want)
		}
		for _, rr := range p.RR {
			if len(rr) > 0 {
				revealed++
			}
		}
	}
	if revealed == 0 {
		t.Errorf("no Record Route ping from %v revealed a reverse hop of the RIPE paths: %+v", src, paths)
	}
	t.Logf("RIPE atlas of %v: %d paths, %d Record Route pings, %d hops with reverse slots", src, st.Paths, st.RRPings, revealed)

	failed := a.runAtlas(src, ripePoorKey)
	if failed.State != "failed" || !strings.Contains(failed.Error, "do not have enough credits") || failed.Paths != len(traces) ||
		failed.PathsProvider != "ripe" {
		t.Errorf("with a key without credits: %+v; want failed with RIPE's reason, the %d paths of the RIPE build kept", failed, len(traces))
	}
	if !bytes.Equal(a.storedAtlas(src), stored) {
		t.Errorf("the failed build changed the stored atlas")
	}

	creates := 0
	for _, r := range rs.Requests() {
		if r.Auth != "Key "+ripeKey && r.Auth != "Key "+ripePoorKey || r.Key != "" {
			t.Errorf("%s %s: Authorization %q, key parameter %q", r.Method, r.Path, r.Auth, r.Key)
		}
		if r.Method == "POST" {
			creates++
			if !bytes.Contains(r.Body, []byte(`"target":"`+src.String()+`"`)) {
				t.Errorf("creation request %s: not toward %v", r.Body, src)
			}
		}
	}
	if creates != 2 {
		t.Errorf("%d measurements created, want 2", creates)
	}
	a.neverWritten(ripeKey, ripePoorKey)
}

// runAtlas runs atlas/run for src with a RIPE key and waits for the
// build to end.
func (a *agentsLab) runAtlas(src netip.Addr, key string) controller.AtlasStatus {
	a.t.Helper()
	var before controller.AtlasStatus
	a.api.Do("GET", "/api/v2/atlas/status/"+src.String(), nil).Want(a.t, 200).JSON(a.t, &before)
	a.api.Do("POST", "/api/v1/atlas/run", nil, "source", src.String(), "RIPE-Key", key).Want(a.t, 200)
	var st controller.AtlasStatus
	a.waitFor("atlas of "+src.String()+" built", time.Minute, func() bool {
		a.api.Do("GET", "/api/v2/atlas/status/"+src.String(), nil).Want(a.t, 200).JSON(a.t, &st)
		return st.State != "running" && st.Requested != before.Requested
	})
	return st
}

// storedAtlas reads src's atlas paths from the controller's store.
func (a *agentsLab) storedAtlas(src netip.Addr) []byte {
	a.t.Helper()
	at, err := openStore(a.t, a.db).AtlasOf(context.Background(), src)
	if err != nil {
		a.t.Fatal(err)
	}
	return at.Paths
}

// neverWritten fails the test if any file of the lab's directory (the
// controller's and agents' logs, the database and its journal) holds one
// of secrets.
func (a *agentsLab) neverWritten(secrets ...string) {
	a.t.Helper()
	err := filepath.WalkDir(a.dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				a.t.Errorf("%s holds the secret %q", path, s)
			}
		}
		return nil
	})
	if err != nil {
		a.t.Fatal(err)
	}
}
