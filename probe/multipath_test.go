package probe_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/lab/labtest"
	"github.com/revtr/revtr/mda/mdatest"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/probe"
	"github.com/revtr/revtr/sim"
	"github.com/revtr/revtr/topo"
)

// A method is one way of tracing multipath both with us and with scamper's
// tracelb: the protocol, the family and scamper's -P method. Scamper has
// no TCP over IPv6, and its IPv6 udp-dport sees only stars: over IPv6 it
// varies the UDP source port, as we do.
type method struct {
	proto   meas.Proto
	v6      bool
	scamper string
}

func (m method) String() string {
	if m.v6 {
		return m.proto.String() + "6"
	}
	return m.proto.String() + "4"
}

var methods = []method{
	{meas.UDP, false, "udp-dport"},
	{meas.TCP, false, "tcp-sport"},
	{meas.ICMP, false, "icmp-echo"},
	{meas.UDP, true, "udp-sport"},
	{meas.ICMP, true, "icmp-echo"},
}

// scamperGroups are the methods one scamper process traces together (to
// different addresses, so concurrently); two tracelbs of one process to
// one address run one after the other, and two processes with the same
// TCP or UDP ports would take each other's replies.
var scamperGroups = [][]method{{methods[0], methods[3]}, {methods[1], methods[4]}, {methods[2]}}

// mpCase is one multipath trace of a shape, by us and by scamper.
type mpCase struct {
	shape    string
	m        method
	src, dst netip.Addr
	truth    mdatest.Truth
	ours     meas.Multipath
	report   mdatest.Report
	scamper  scamperTrace
}

// scamperComplete reports whether scamper found every interface of the
// truth (at any TTL: its JSON gives no TTL for the interfaces of a clump).
func (c mpCase) scamperComplete() bool { return len(c.scamperMissing()) == 0 }

// scamperMissing returns the addresses of the truth scamper did not find.
func (c mpCase) scamperMissing() []netip.Addr {
	var out []netip.Addr
	for i := range c.truth.Interfaces {
		if !slices.Contains(c.scamper.addrs, i.Addr) {
			out = append(out, i.Addr)
		}
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return out
}

// scamperTrace is what scamper's JSON says of one tracelb.
type scamperTrace struct {
	probes int
	addrs  []netip.Addr
}

const (
	shapeSeed         = 1
	shapeSources      = 2
	shapeDestinations = 2
)

// shapeLab is a shape built in the lab with two sources and two
// destinations, a prober on every host, and the same topology simulated.
type shapeLab struct {
	shape mdatest.Shape
	tp    *topo.Topology
	l     *lab.Lab
	g     *probe.Group
	sn    *sim.Network
}

func upShape(t testing.TB, s mdatest.Shape) shapeLab {
	tp := build(t)(s.Topology(shapeSeed, shapeSources, shapeDestinations))
	l := labtest.Up(t, tp)
	sn, err := sim.New(tp, sim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return shapeLab{shape: s, tp: tp, l: l, g: hostGroup(t, l, nil), sn: sn}
}

// traceShape traces every pair of sl with every method, with us and with
// scamper (in the same run, concurrently), and on the simulator: the
// simulator must answer exactly as the lab did.
func traceShape(t testing.TB, sl shapeLab) []mpCase {
	hosts := sl.tp.Hosts()
	srcs, dsts := hosts[:shapeSources], hosts[shapeSources:]
	theirs := startScamper(sl, srcs, dsts)
	var cases []mpCase
	for _, src := range srcs {
		for _, dst := range dsts {
			for _, m := range methods {
				cases = append(cases, traceOurs(t, sl, m, src, dst))
			}
		}
	}
	got, err := theirs()
	if err != nil {
		t.Fatal(err)
	}
	for i := range cases {
		c := &cases[i]
		ep, _ := sl.tp.Owner(c.src)
		k := fmt.Sprintf("%s %s %s", sl.tp.Nodes[ep.Node].Name, c.m.scamper, c.dst)
		var ok bool
		if c.scamper, ok = got[k]; !ok {
			t.Fatalf("no scamper tracelb %s", k)
		}
	}
	return cases
}

// traceOurs traces m from host src to host dst, in the lab and on the
// simulator, and checks the result against the truth.
func traceOurs(t testing.TB, sl shapeLab, m method, srcID, dstID topo.NodeID) mpCase {
	src, dst := sl.tp.HostAddr(srcID, m.v6), sl.tp.HostAddr(dstID, m.v6)
	c := mpCase{shape: sl.shape.Name, m: m, src: src, dst: dst}
	var err error
	if c.truth, err = mdatest.TruthOf(sl.tp, src, dst, m.proto); err != nil {
		t.Fatal(err)
	}
	c.ours = traceBoth(t, sl.g, sl.sn, meas.MultipathRequest{Src: src, Dst: dst, Proto: m.proto})
	c.report = c.truth.Check(c.ours)
	return c
}

// startScamper starts, for every pair, one scamper process per group of
// methods, and returns a function that waits for them all and returns
// their traces by "source-name method destination".
func startScamper(sl shapeLab, srcs, dsts []topo.NodeID) func() (map[string]scamperTrace, error) {
	var eg errgroup.Group
	var mu sync.Mutex
	out := make(map[string]scamperTrace)
	for _, src := range srcs {
		name := sl.tp.Nodes[src].Name
		for _, dst := range dsts {
			for _, group := range scamperGroups {
				var argv []string
				for _, m := range group {
					argv = append(argv, "-I", fmt.Sprintf("tracelb -P %s -W 15 %s", m.scamper, sl.tp.HostAddr(dst, m.v6)))
				}
				eg.Go(func() error {
					got, err := runScamper(sl.l, name, argv)
					mu.Lock()
					defer mu.Unlock()
					for k, v := range got {
						out[name+" "+k] = v
					}
					return err
				})
			}
		}
	}
	return func() (map[string]scamperTrace, error) {
		err := eg.Wait()
		return out, err
	}
}

// runScamper runs scamper in node's namespace with the tracelb commands of
// argv and returns its traces by "method destination".
func runScamper(l *lab.Lab, node string, argv []string) (map[string]scamperTrace, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out, stderr bytes.Buffer
	argv = append([]string{"scamper", "-O", "json", "-p", "100"}, argv...)
	if err := l.Exec(ctx, node, argv, lab.Stdio{Stdout: &out, Stderr: &stderr}); err != nil {
		return nil, fmt.Errorf("%v: %w\n%s", argv, err, stderr.String())
	}
	return parseTracelb(out.Bytes())
}

// parseTracelb reads scamper's JSON lines: per tracelb, the probes sent and
// every address in its nodes and links.
func parseTracelb(b []byte) (map[string]scamperTrace, error) {
	type hop struct {
		Addr netip.Addr `json:"addr"`
	}
	var rec struct {
		Type   string     `json:"type"`
		Method string     `json:"method"`
		Dst    netip.Addr `json:"dst"`
		Probec int        `json:"probec"`
		Nodes  []struct {
			Addr  netip.Addr `json:"addr"`
			Links [][]hop    `json:"links"`
		} `json:"nodes"`
	}
	out := make(map[string]scamperTrace)
	for _, line := range bytes.Split(b, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		rec.Type, rec.Nodes = "", nil
		if err := json.Unmarshal(line, &rec); err != nil {
			return nil, fmt.Errorf("scamper JSON %q: %w", line, err)
		}
		if rec.Type != "tracelb" {
			continue
		}
		tr := scamperTrace{probes: rec.Probec}
		for _, n := range rec.Nodes {
			tr.addrs = addUniqueAddr(tr.addrs, n.Addr)
			for _, link := range n.Links {
				for _, h := range link {
					tr.addrs = addUniqueAddr(tr.addrs, h.Addr)
				}
			}
		}
		out[rec.Method+" "+rec.Dst.String()] = tr
	}
	return out, nil
}

func addUniqueAddr(s []netip.Addr, a netip.Addr) []netip.Addr {
	if !a.IsValid() || slices.Contains(s, a) {
		return s
	}
	return append(s, a)
}

// TestMultipathVsScamper traces every shape of mdatest in the lab — two
// sources, two destinations, UDP, TCP and ICMP over IPv4, UDP and ICMP
// over IPv6 — with us and with scamper's tracelb in the same run, and on
// the simulator. It requires: the simulator answers as the lab does; we
// report nothing that is not there; a load balancer we found misses a
// successor no more often than ε allows; and on every shape we spend no
// more probes than scamper, summed over the traces where scamper found
// every interface (where it missed some, it stopped early and spent less).
func TestMultipathVsScamper(t *testing.T) {
	labtest.NeedRoot(t)
	needTool(t, "scamper")
	all := make([][]mpCase, len(mdatest.Shapes))
	t.Run("shapes", func(t *testing.T) {
		for i, s := range mdatest.Shapes {
			t.Run(s.Name, func(t *testing.T) {
				t.Parallel()
				all[i] = traceShape(t, upShape(t, s))
			})
		}
	})
	lbs, missed := 0, 0
	for _, cases := range all {
		ours, theirs, compared := 0, 0, 0
		for _, c := range cases {
			lbs += c.report.LoadBalancers
			missed += c.report.Missed
			if len(c.report.Extra) > 0 || len(c.report.BadLinks) > 0 {
				t.Errorf("%s %v %s to %s: interfaces %v, links %v not in the network", c.shape, c.m, c.src, c.dst, c.report.Extra, c.report.BadLinks)
			}
			if c.scamperComplete() {
				ours, theirs, compared = ours+c.ours.Probes, theirs+c.scamper.probes, compared+1
			} else {
				t.Logf("%s %v %s to %s: scamper spent %d probes and missed %v", c.shape, c.m, c.src, c.dst, c.scamper.probes, c.scamperMissing())
			}
		}
		if len(cases) == 0 {
			continue
		}
		t.Logf("%s: %d probes, scamper %d, over the %d of %d traces where scamper found every interface",
			cases[0].shape, ours, theirs, compared, len(cases))
		if ours > theirs {
			t.Errorf("%s: %d probes, more than scamper's %d", cases[0].shape, ours, theirs)
		}
	}
	t.Logf("%d load balancers found, %d missed a successor (%.3f, ε %v)", lbs, missed, float64(missed)/float64(max(lbs, 1)), meas.DefaultEpsilon)
	if mdatest.TooMany(missed, lbs, meas.DefaultEpsilon) {
		t.Errorf("miss rate %d/%d is significantly above ε", missed, lbs)
	}
	t.Logf("per trace, on average over %d source-destination pairs:\n%s", shapeSources*shapeDestinations, mpTable(all))
}

// mpTable is the Markdown table of docs/bench-multipath.md: per shape and
// method, the mean probes and the traces that found every interface.
func mpTable(all [][]mpCase) string {
	var b strings.Builder
	b.WriteString("| shape | method | interfaces | scamper probes | our probes | scamper found all | we found all |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|\n")
	for _, cases := range all {
		for _, m := range methods {
			n, ifs, theirs, ours, theirsAll, oursAll := 0, 0, 0, 0, 0, 0
			for _, c := range cases {
				if c.m != m {
					continue
				}
				n++
				ifs += len(c.truth.Interfaces)
				theirs += c.scamper.probes
				ours += c.ours.Probes
				if c.scamperComplete() {
					theirsAll++
				}
				if c.report.Complete() {
					oursAll++
				}
			}
			if n == 0 {
				continue
			}
			fmt.Fprintf(&b, "| %s | %v | %.1f | %.1f | %.1f | %d/%d | %d/%d |\n", cases[0].shape, m,
				float64(ifs)/float64(n), float64(theirs)/float64(n), float64(ours)/float64(n), theirsAll, n, oursAll, n)
		}
	}
	return b.String()
}

// BenchmarkMultipath traces every shape of mdatest as
// TestMultipathVsScamper does (scamper's tracelb beside us, same lab, same
// run), then times our UDP multipath trace between the first pair. It
// reports our probes and scamper's per trace, on average over the traces
// (every pair and method) where scamper found every interface, and the
// share of traces where it did.
func BenchmarkMultipath(b *testing.B) {
	labtest.NeedRoot(b)
	if _, err := exec.LookPath("scamper"); err != nil {
		b.Skip("needs scamper (apt-get install -y scamper) to compare with")
	}
	for _, s := range mdatest.Shapes {
		b.Run(s.Name, func(b *testing.B) {
			sl := upShape(b, s)
			cases := traceShape(b, sl)
			ours, theirs, compared := 0, 0, 0
			for _, c := range cases {
				if c.scamperComplete() {
					ours, theirs, compared = ours+c.ours.Probes, theirs+c.scamper.probes, compared+1
				}
			}
			req := meas.MultipathRequest{Src: cases[0].src, Dst: cases[0].dst, Proto: meas.UDP}
			for b.Loop() {
				if _, err := sl.g.Multipath(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(ours)/float64(max(compared, 1)), "probes/trace")
			b.ReportMetric(float64(theirs)/float64(max(compared, 1)), "scamper-probes/trace")
			b.ReportMetric(float64(compared)/float64(len(cases)), "scamper-complete")
		})
	}
}
