package ipasn_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/revtr/revtr/ipasn"
)

func ExampleLoad() {
	m, err := ipasn.Load(strings.NewReader("10.0.0.0\t8\t64500\n10.1.0.0\t16\t64501_64502\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	p, origins, ok := m.Lookup(netip.MustParseAddr("10.1.2.3"))
	fmt.Println(p, origins, ok)
	// Output: 10.1.0.0/16 64501_64502 true
}

func ExampleMap_Annotate() {
	m, _ := ipasn.Load(strings.NewReader("10.0.0.0\t8\t64500\n"))
	for _, a := range []string{"10.9.8.7", "2001:db8::1"} {
		b, _ := json.Marshal(m.Annotate(netip.MustParseAddr(a)))
		fmt.Println(string(b))
	}
	// Output:
	// {"cidr":"10.0.0.0/8","asn":64500}
	// {"cidr":null,"asn":null}
}

func ExampleBogons_Check() {
	lab, _ := ipasn.NewBogons(netip.MustParsePrefix("10.0.0.0/8"))
	for _, a := range []string{"10.1.2.3", "192.168.1.1"} {
		err := lab.Check(netip.MustParseAddr(a))
		fmt.Println(a, errors.Is(err, ipasn.ErrBogon), err)
	}
	// Output:
	// 10.1.2.3 false <nil>
	// 192.168.1.1 true bogon address 192.168.1.1: in 192.168.0.0/16 (Private-Use, RFC 1918), not in the allow-list
}
