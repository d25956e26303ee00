package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// traceOptions are the parts of traceFlags that decide what is measured
// and written.
type traceOptions struct {
	Flow                       flowFlags
	Req                        any
	Reverse, TwoWay, Multipath bool
	Epsilon                    float64
	Probing                    probingControls
	Graph                      graphOutput
	Numeric                    bool
	Rate                       float64
	Client                     any
}

func optionsOf(f traceFlags) traceOptions {
	return traceOptions{f.flowFlags, f.req, f.reverse, f.twoWay, f.multipath, f.epsilon, f.probing, f.graph,
		f.numeric, f.open.rate, f.open.client}
}

// parseNative parses traceroute's own flags as 'revtr traceroute' does.
func parseNative(args []string) (traceFlags, string, error) {
	var f traceFlags
	fs := pflag.NewFlagSet("traceroute", pflag.ContinueOnError)
	f.addFlags(fs, true)
	if err := fs.Parse(args); err != nil {
		return f, "", err
	}
	return f, fs.Arg(0), f.complete(fs)
}

// parseReference parses the reference client's syntax as 'revtr
// augsburg' does.
func parseReference(args []string) (traceFlags, string, error) {
	var f traceFlags
	var rf refFlags
	fs := pflag.NewFlagSet("augsburg", pflag.ContinueOnError)
	f.addReferenceFlags(fs, &rf)
	if err := fs.Parse(args); err != nil {
		return f, "", err
	}
	target, err := f.fromReference(fs.Args(), &rf)
	if err != nil {
		return f, "", err
	}
	return f, target, f.complete(fs)
}

// TestReferenceSyntax holds invocations in the reference client's syntax
// to the options of the native flags that mean the same.
func TestReferenceSyntax(t *testing.T) {
	refDefaults := "-4 --max-ttl 15 --timeout 2s --inter 0.1 --abort 3 --retry 3 --format pdf -o trace"
	for _, c := range []struct{ ref, native string }{
		{"reverse udp singlepath --flow 1234 10.0.0.9",
			"--reverse -P udp --flow 1234 " + refDefaults + " 10.0.0.9"},
		{"forward icmp singlepath --flow 7 --probes 1 10.0.0.9",
			"-P icmp --flow 7 -q 1 " + refDefaults + " 10.0.0.9"},
		{"--timeout 1.5 --inter 0.5 two-way tcp singlepath --flow 80 10.0.0.9",
			"--two-way -P tcp --flow 80 -4 --max-ttl 15 -w 1.5s --rate 2 --inter 0.5 --abort 3 --retry 3 --format pdf 10.0.0.9"},
		{"-n -6 --min-ttl 2 --max-ttl 20 --timeout 1 --inter 0 --abort 5 -f svg -o out -s two-way tcp multipath " +
			"--confidence 0.01 --retry 1 --min-burst 10 --max-burst 40 --opt-single-vertex-hop 2001:db8::9",
			"--two-way -P tcp --multipath -n -6 --min-ttl 2 -m 20 -w 1s --rate 0 --abort 5 --epsilon 0.01 --retry 1 " +
				"--min-burst 10 --max-burst 40 --opt-single-vertex-hop --format svg -o out -s 2001:db8::9"},
		{"--forward-to 10.0.0.7 reverse udp singlepath --flow 1 10.0.0.9",
			"--reverse -P udp --flow 1 --forward-to 10.0.0.7 " + refDefaults + " 10.0.0.9"},
		{"reverse udp multipath 10.0.0.9",
			"--reverse -P udp --multipath --confidence 0.05 " + refDefaults + " 10.0.0.9"},
	} {
		rf, rt, err := parseReference(strings.Fields(c.ref))
		if err != nil {
			t.Errorf("%s: %v", c.ref, err)
			continue
		}
		nf, nt, err := parseNative(strings.Fields(c.native))
		if err != nil {
			t.Errorf("%s: %v", c.native, err)
			continue
		}
		if ro, no := optionsOf(rf), optionsOf(nf); rt != nt || !reflect.DeepEqual(ro, no) {
			t.Errorf("%s\n  reference %s %+v\n  native    %s %+v", c.ref, rt, ro, nt, no)
		}
	}
}

// TestReferenceSyntaxErrors checks the reference syntax's mistakes: one
// clear error each.
func TestReferenceSyntaxErrors(t *testing.T) {
	for args, want := range map[string]string{
		"reverse udp singlepath 10.0.0.9":                        "singlepath needs --flow",
		"reverse udp singlepath --flow 1 --retry 2 10.0.0.9":     "--retry belongs to multipath",
		"reverse udp multipath --probes 2 10.0.0.9":              "--probes belongs to singlepath",
		"sideways udp multipath 10.0.0.9":                        `direction "sideways"`,
		"reverse sctp multipath 10.0.0.9":                        `protocol "sctp"`,
		"reverse udp allpaths 10.0.0.9":                          `mode "allpaths"`,
		"reverse udp multipath":                                  "TARGET, got 3 arguments",
		"-f gif reverse udp multipath 10.0.0.9":                  `--format "gif"`,
		"--min-burst 9 --max-burst 9 reverse udp multipath h1":   "--min-burst",
		"--timeout 0 reverse udp multipath 10.0.0.9":             "--timeout must be positive",
		"-4 -6 reverse udp multipath 10.0.0.9":                   "-4 and -6",
		"--resolve-aliases reverse udp multipath 10.0.0.9":       "--resolve-aliases infers aliases from two-way IPv4",
		"--resolve-aliases -6 two-way udp multipath 2001:db8::9": "--resolve-aliases infers aliases from two-way IPv4",
	} {
		if _, _, err := parseReference(strings.Fields(args)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", args, err, want)
		}
	}
	for args, want := range map[string]string{
		"--resolve-aliases --reverse 10.0.0.9":     "--resolve-aliases infers",
		"--forward-to 10.0.0.7 --two-way 10.0.0.9": "--forward-to traces from TARGET's responder",
		"--forward-to nowhere --reverse 10.0.0.9":  "--forward-to",
		"-s 10.0.0.9":                           "-s writes BASENAME.json beside the --format file",
		"--format gif 10.0.0.9":                 `--format "gif"`,
		"--inter -1 10.0.0.9":                   "--inter must not be negative",
		"--multipath --retry -1 10.0.0.9":       "--retry must not be negative",
		"--min-burst 50 --max-burst 5 10.0.0.9": "--min-burst must be",
	} {
		if _, _, err := parseNative(strings.Fields(args)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("native %s: %v, want %q", args, err, want)
		}
	}
}

// TestReferenceProgramName runs revtr under the reference client's name
// (a symlink): its arguments are parsed as the reference command line, so
// a singlepath without --flow gets that command's error.
func TestReferenceProgramName(t *testing.T) {
	link := filepath.Join(t.TempDir(), "augsburg-traceroute")
	if err := os.Symlink(bin, link); err != nil {
		t.Fatal(err)
	}
	saved := bin
	bin = link
	defer func() { bin = saved }()
	_, stderr, code := run(t, -1, "reverse", "udp", "singlepath", "10.0.0.9")
	if code != 1 || !strings.Contains(stderr, "singlepath needs --flow") {
		t.Errorf("status %d, stderr %q", code, stderr)
	}
}
