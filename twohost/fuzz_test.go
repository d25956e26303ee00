package twohost

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/revtr/revtr/wire"
)

// FuzzParseRequest feeds arbitrary IP packets to the responder's request
// parser. It must never panic, and what it accepts must be a request whose
// first 12 ICMP bytes re-encode exactly, addressed within one family,
// with a checksum that verifies; the answer to it, at a minimum request
// size of 36, is never larger than the request.
func FuzzParseRequest(f *testing.F) {
	files, _ := filepath.Glob("testdata/valid-*-request")
	for _, name := range files {
		s, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		b, err := hex.DecodeString(strings.TrimSpace(string(s)))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0x45})
	f.Fuzz(func(t *testing.T, b []byte) {
		var in inbound
		if !parseRequest(b, &in) {
			return
		}
		if in.src.Is4() == in.v6 || in.dst.Is4() == in.v6 || in.icmpLen < wire.TwoHostRequestLen {
			t.Fatalf("accepted %x as %+v", b, in)
		}
		hl := wire.IPv6HeaderLen
		if !in.v6 {
			hl = int(b[0]&0x0f) * 4
		}
		icmp := b[hl : hl+in.icmpLen]
		enc, err := in.req.AppendBinary(nil)
		if err != nil || !bytes.Equal(enc, icmp[:wire.TwoHostRequestLen]) {
			t.Fatalf("request %+v re-encodes to %x, %v; the packet holds %x", in.req, enc, err, icmp)
		}
		if in.icmpLen >= wire.TwoHostSuccessLen {
			resp := wire.TwoHostResponse{V6: in.v6, State: wire.StateSuccess, Node: in.src}
			if resp.Len() > in.icmpLen {
				t.Fatalf("answer of %d bytes to a request of %d", resp.Len(), in.icmpLen)
			}
		}
	})
}
