package rawsock

import (
	"encoding/binary"
	"testing"

	"golang.org/x/sys/unix"
)

// cmsg encodes one control message with a 4-byte value.
func cmsg(level, typ int32, v uint32) []byte {
	b := make([]byte, unix.CmsgSpace(4))
	h := unix.Cmsghdr{Level: level, Type: typ}
	h.SetLen(unix.CmsgLen(4))
	binary.NativeEndian.PutUint64(b, uint64(h.Len)) // Len is 64 bits on 64-bit Linux
	binary.NativeEndian.PutUint32(b[8:], uint32(h.Level))
	binary.NativeEndian.PutUint32(b[12:], uint32(h.Type))
	binary.NativeEndian.PutUint32(b[unix.CmsgLen(0):], v)
	return b
}

func TestHopLimit(t *testing.T) {
	if unix.SizeofCmsghdr != 16 {
		t.Skip("test encodes 64-bit control message headers")
	}
	hop := cmsg(unix.IPPROTO_IPV6, unix.IPV6_HOPLIMIT, 63)
	tclass := cmsg(unix.IPPROTO_IPV6, unix.IPV6_TCLASS, 0xb8)
	for _, tc := range []struct {
		name string
		oob  []byte
		want uint8
	}{
		{"none", nil, 0},
		{"hop limit", hop, 63},
		{"after another", append(append([]byte{}, tclass...), hop...), 63},
		{"other only", tclass, 0},
		{"truncated", hop[:unix.CmsgLen(0)+2], 0},
		{"short header", hop[:8], 0},
		{"bad length", append([]byte{1}, hop[1:]...), 0},
	} {
		if got := hopLimit(tc.oob); got != tc.want {
			t.Errorf("%s: hop limit %d, want %d", tc.name, got, tc.want)
		}
	}
}
