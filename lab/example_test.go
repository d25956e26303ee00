package lab_test

import (
	"context"
	"fmt"
	"log"
	"net"
	"os"

	"github.com/revtr/revtr/lab"
	"github.com/revtr/revtr/topo/topotest"
)

// Build a lab, open a socket inside one of its hosts, run a reference tool
// in another, and remove the lab. Needs root.
func ExampleUp() {
	t, err := topotest.Chain(3) // h0 - r0 - r1 - r2 - h1
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	l, err := lab.Up(ctx, t, "example")
	if err != nil {
		log.Fatal(err)
	}
	defer l.Down()

	// A socket opened inside Do stays in h0's namespace.
	var c net.PacketConn
	if err := l.Do("h0", func() (err error) {
		c, err = net.ListenPacket("udp4", ":0")
		return err
	}); err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	dst, _ := l.Addr("h1")
	err = l.Exec(ctx, "h0", []string{"ping", "-c1", "-R", dst.String()},
		lab.Stdio{Stdout: os.Stdout, Stderr: os.Stderr})
	fmt.Println("ping:", err)
}
