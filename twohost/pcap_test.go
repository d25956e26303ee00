package twohost_test

import (
	"encoding/binary"
	"fmt"
	"os"
)

// readPcap returns the IP packets of a classic pcap file captured on an
// Ethernet interface (tcpdump -w), link layer stripped.
func readPcap(path string) ([][]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 24 {
		return nil, fmt.Errorf("pcap %s: %d bytes, no header", path, len(b))
	}
	order := binary.ByteOrder(binary.LittleEndian)
	if binary.BigEndian.Uint32(b) == 0xa1b2c3d4 {
		order = binary.BigEndian
	}
	if link := order.Uint32(b[20:]); link != 1 {
		return nil, fmt.Errorf("pcap %s: link type %d, want Ethernet", path, link)
	}
	var pkts [][]byte
	for off := 24; off+16 <= len(b); {
		n := int(order.Uint32(b[off+8:]))
		off += 16
		if off+n > len(b) || n < 14 {
			return nil, fmt.Errorf("pcap %s: truncated record", path)
		}
		pkts = append(pkts, b[off+14:off+n])
		off += n
	}
	return pkts, nil
}
