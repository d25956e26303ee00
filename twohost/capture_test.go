package twohost_test

import (
	"bufio"
	"context"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/meas"
	"github.com/revtr/revtr/topo"
	"github.com/revtr/revtr/topo/topotest"
	"github.com/revtr/revtr/twohost"
	"github.com/revtr/revtr/wire"
)

var update = flag.Bool("update", false, "rewrite testdata/valid-* from a tcpdump capture in the lab")

// captureFilter passes ICMP and ICMPv6 echo requests and replies with code
// 1 (fixed IPv6 header only), and the responder's probes: UDP and TCP
// from port 1021, echo requests with code 0.
const captureFilter = "(icmp and icmp[1] == 1 and (icmp[0] == 8 or icmp[0] == 0)) or " +
	"(ip6 and ip6[6] == 58 and ip6[41] == 1 and (ip6[40] == 128 or ip6[40] == 129)) or " +
	"((udp or tcp) and src port 1021) or (icmp and icmp[0] == 8 and icmp[1] == 0) or " +
	"(ip6 and ip6[6] == 58 and ip6[40] == 128 and ip6[41] == 0)"

// TestCapture captures, with tcpdump on the responder's interface, a
// request, the probe it makes the responder send and the answer, for
// every case of stateCases and both families, and checks them against
// docs/protocols.md section 3 (checkGolden). With -update it stores them
// as the golden files TestGolden reads.
func TestCapture(t *testing.T) {
	needRoot(t)
	needTcpdump(t)
	tp, err := topotest.Chain(2)
	l := upLab(t, tp, err)
	c := newClient(t, l, "h0", fastClient())
	r := startResponder(t, l, "h1", twohost.ResponderConfig{})
	pkts := capture(t, l, tp, c, stateCases)
	// Refused: a responder that wants padded requests.
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	startResponder(t, l, "h1", twohost.ResponderConfig{MinRequestLen: wire.TwoHostSuccessLen})
	for name, p := range capture(t, l, tp, c, []stateCase{refusedCase}) {
		pkts[name] = p
	}
	for name, p := range pkts {
		checkGolden(t, name, p)
		if *update {
			if err := os.WriteFile(filepath.Join("testdata", name), []byte(hex.EncodeToString(p)+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// refusedCase is answered by a responder with a minimum request size.
var refusedCase = stateCase{"refused", twohost.Query{TTL: 1, Proto: wire.ProtoUDP, Flow: 33434}, wire.StateRefused, meas.Flow{}}

// capture sends the cases over IPv4 then IPv6 from c to h1 and returns
// the requests, probes and answers tcpdump saw on h1's e0, by golden
// file name.
func capture(t *testing.T, l *lab.Lab, tp *topo.Topology, c *twohost.Client, cases []stateCase) map[string][]byte {
	t.Helper()
	pcap := filepath.Join(t.TempDir(), "twohost.pcap")
	var names []string
	for _, fam := range []string{"ipv4", "ipv6"} {
		for _, sc := range cases {
			names = append(names, sc.goldenNames(fam)...)
		}
	}
	wait := startTcpdump(t, l, "h1", pcap, len(names), captureFilter)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, v6 := range []bool{false, true} {
		for _, sc := range cases {
			if a, err := c.Query(ctx, hostAddr(t, tp, "h1", v6), sc.query(v6)); err != nil || a.State != sc.state {
				t.Fatalf("%s: %+v, %v", sc.name, a, err)
			}
		}
	}
	if err := wait(); err != nil {
		t.Fatalf("tcpdump: %v", err)
	}
	pkts, err := readPcap(pcap)
	if err != nil || len(pkts) != len(names) {
		t.Fatalf("capture: %d packets, %v; want %d", len(pkts), err, len(names))
	}
	byName := make(map[string][]byte, len(names))
	for i, n := range names {
		byName[n] = pkts[i]
	}
	return byName
}

// goldenCases are the captured cases.
var goldenCases = append(append([]stateCase{}, stateCases...), refusedCase)

// goldenNames names the packets of one case in the order they cross the
// responder's interface: the request, the probe (if any), the answer.
func (sc stateCase) goldenNames(fam string) []string {
	base := "valid-" + fam + "-" + sc.name + "-"
	if sc.state != wire.StateSuccess {
		return []string{base + "request", base + "response"}
	}
	return []string{base + "request", base + "probe", base + "response"}
}

// needTcpdump skips a test that captures packets where tcpdump is
// missing.
func needTcpdump(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/usr/bin/tcpdump"); err != nil {
		t.Skip("needs tcpdump (apt-get install -y tcpdump)")
	}
}

// startTcpdump captures count packets that pass filter on node's e0 into
// file; the returned function waits for tcpdump to exit. It returns once
// tcpdump listens.
func startTcpdump(t *testing.T, l *lab.Lab, node, file string, count int, filter string) func() error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		argv := []string{"tcpdump", "-i", "e0", "-U", "-n", "-c", fmt.Sprint(count), "-w", file, filter}
		err := l.Exec(ctx, node, argv, lab.Stdio{Stderr: pw})
		pw.Close()
		done <- err
	}()
	sc := bufio.NewScanner(pr)
	for sc.Scan() && !strings.Contains(sc.Text(), "listening on") {
	}
	go io.Copy(io.Discard, pr)
	t.Cleanup(cancel)
	return func() error { defer cancel(); return <-done }
}
