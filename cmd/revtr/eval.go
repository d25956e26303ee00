package main

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/revtr/revtr/lab"

	"github.com/revtr/revtr/revtr"
	"github.com/revtr/revtr/revtr/eval"
	"github.com/revtr/revtr/topo"
)

// evalFlags are the evaluation knobs shared by 'sim eval' and 'lab eval'.
type evalFlags struct {
	revtrs        int
	policies      string
	routerTargets bool
	twoHost       bool
	workers       int
	batch         int
	discordant    string
	cpuProfile    string
	symmetry      string
	sequential    bool
}

func (f *evalFlags) add(cmd *cobra.Command, workers int) {
	fs := cmd.Flags()
	fs.IntVarP(&f.revtrs, "revtrs", "n", 0, "reverse traceroutes per policy, cycling over the (source, destination) pairs (0: each pair once)")
	fs.StringVar(&f.policies, "policy", "default,reference", "policies to compare, comma-separated (default, reference)")
	fs.BoolVar(&f.routerTargets, "router-targets", false, "also measure toward every router interface")
	fs.BoolVar(&f.twoHost, "two-host", false, "let our policy ask destinations' two-host responders")
	fs.IntVar(&f.workers, "workers", workers, "reverse traceroutes run at once (1 keeps the figures deterministic)")
	fs.IntVar(&f.batch, "batch", 0, "measure in batches of this many reverse traceroutes toward one source, each on an engine with an empty cache (0: one engine for all)")
	fs.BoolVar(&f.sequential, "sequential", false, "start each reverse traceroute when the one before has ended, one at a time (sets --workers 1): what the caches hold then does not depend on timing, so a lab and the simulator compare pair by pair")
	fs.StringVar(&f.symmetry, "symmetry", "policy", "every request's stance on assumed symmetry, whatever the policy: policy (each its own; both refuse interdomain), refuse-inter, allow-inter or never")
	fs.StringVar(&f.discordant, "discordant", "", "write the pairs on which the two policies differ, as JSON lines with both results and the true path, to this file")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole evaluation (building the world, then each policy) to this file, for go tool pprof")
}

// run evaluates cfg with run, then prints the report. The discordant
// pairs go to a new file beside the one --discordant names, which
// replaces it only when the evaluation succeeded.
func (f *evalFlags) run(cmd *cobra.Command, cfg eval.Config, run func(eval.Config) (*eval.Report, error)) error {
	done := func() error { return nil }
	if f.discordant != "" {
		file, err := os.CreateTemp(filepath.Dir(f.discordant), "."+filepath.Base(f.discordant)+".*")
		if err != nil {
			return fmt.Errorf("--discordant %s: %w", f.discordant, err)
		}
		defer os.Remove(file.Name()) // fails harmlessly once renamed
		defer file.Close()
		bw := bufio.NewWriter(file)
		cfg.Discordant = bw
		done = func() error {
			if err := bw.Flush(); err != nil {
				return err
			}
			if err := file.Chmod(0o644); err != nil {
				return err
			}
			if err := file.Close(); err != nil {
				return err
			}
			return os.Rename(file.Name(), f.discordant)
		}
	}
	if f.cpuProfile != "" {
		stop, err := startCPUProfile(f.cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	rep, err := run(cfg)
	if err != nil {
		return err
	}
	if err := done(); err != nil {
		return fmt.Errorf("--discordant %s: %w", f.discordant, err)
	}
	return rep.Write(cmd.OutOrStdout())
}

// startCPUProfile profiles the process's CPU into a new file at path
// until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	file, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(file); err != nil {
		file.Close()
		return nil, fmt.Errorf("--cpuprofile %s: %w", path, err)
	}
	return func() { pprof.StopCPUProfile(); file.Close() }, nil
}

// config validates the flags into an evaluation configuration.
func (f *evalFlags) config(cmd *cobra.Command) (eval.Config, error) {
	if f.revtrs < 0 {
		return eval.Config{}, fmt.Errorf("--revtrs must not be negative, not %d", f.revtrs)
	}
	if f.batch < 0 {
		return eval.Config{}, fmt.Errorf("--batch must not be negative, not %d", f.batch)
	}
	if f.workers < 1 {
		return eval.Config{}, fmt.Errorf("--workers must be at least 1, not %d", f.workers)
	}
	workers := f.workers
	if f.sequential {
		if cmd.Flags().Changed("workers") && f.workers > 1 {
			return eval.Config{}, fmt.Errorf("--sequential runs one reverse traceroute at a time, not --workers %d", f.workers)
		}
		workers = 1
	}
	var policies []string
	for _, p := range strings.Split(f.policies, ",") {
		p = strings.TrimSpace(p)
		switch {
		case p == "":
			return eval.Config{}, fmt.Errorf("--policy %q: empty policy name", f.policies)
		case slices.Contains(policies, p):
			return eval.Config{}, fmt.Errorf("--policy %q: %s given twice", f.policies, p)
		}
		if _, err := revtr.PolicyByName(p); err != nil {
			return eval.Config{}, fmt.Errorf("--policy: %w", err)
		}
		policies = append(policies, p)
	}
	if f.discordant != "" && len(policies) < 2 {
		return eval.Config{}, fmt.Errorf("--discordant compares two policies, not --policy %q", f.policies)
	}
	sym, err := revtr.ParseSymmetry(f.symmetry)
	if err != nil {
		return eval.Config{}, fmt.Errorf("--symmetry: %w", err)
	}
	return eval.Config{
		Revtrs: f.revtrs, Policies: policies, RouterTargets: f.routerTargets,
		TwoHost: f.twoHost, Workers: workers, Batch: f.batch, Symmetry: sym, Sequential: f.sequential,
	}, nil
}

// checkEvalTopology refuses an Internet with nothing to evaluate: no
// source or no destination; noSrc and noDst say who is to blame.
func checkEvalTopology(t *topo.Topology, noSrc, noDst string) error {
	var sources, dsts int
	for _, id := range t.Hosts() {
		r := t.Nodes[id].Role
		if r.Source {
			sources++
		}
		if r.Destination {
			dsts++
		}
	}
	switch {
	case sources == 0:
		return fmt.Errorf("%s: no source to measure reverse paths toward", noSrc)
	case dsts == 0:
		return fmt.Errorf("%s: no destination to measure reverse paths from", noDst)
	}
	return nil
}

// churnFlags are the simulator's route-churn knobs of 'sim eval'.
type churnFlags struct {
	churn, perHour float64
	reusePaths     time.Duration
}

func (f *churnFlags) add(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.Float64Var(&f.churn, "churn", 0, "route churn: IGP link-cost changes per simulated hour over the whole Internet (0: none)")
	fs.Float64Var(&f.perHour, "per-hour", 0, "start this many reverse traceroutes per simulated hour (0: one every 3 ms)")
	fs.DurationVar(&f.reusePaths, "reuse-paths", 0, "reuse reverse paths measured at most this long ago, our policy (0: its default)")
}

// apply validates the flags into cfg.
func (f *churnFlags) apply(cfg *eval.Config) error {
	switch {
	case !(f.churn >= 0) || math.IsInf(f.churn, 1):
		return fmt.Errorf("--churn must be a finite rate ≥ 0, not %g", f.churn)
	case !(f.perHour >= 0) || math.IsInf(f.perHour, 1):
		return fmt.Errorf("--per-hour must be a finite rate ≥ 0, not %g", f.perHour)
	case f.reusePaths < 0:
		return fmt.Errorf("--reuse-paths must not be negative, not %v", f.reusePaths)
	}
	cfg.Churn, cfg.PerHour = f.churn, f.perHour
	if d := f.reusePaths; d > 0 {
		cfg.Tune = func(p *revtr.Policy) { p.ReusePaths = d }
	}
	return nil
}

func newSimEvalCmd(gen topoGen) *cobra.Command {
	var f evalFlags
	var cf churnFlags
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Run many reverse traceroutes and score them against ground truth",
		Long: `eval builds the atlas toward every source, runs reverse traceroutes from
every destination back to every source with each policy, and prints coverage,
accuracy against the ground truth (AS level in the REVTR paper's categories,
router level alias-aware, share of wrong hops) and cost (probes by technique,
sequential rounds, runtime) side by side, per hop type and overall.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := f.config(cmd)
			if err != nil {
				return err
			}
			if err := cf.apply(&cfg); err != nil {
				return err
			}
			if cfg.Topology, err = gen(cmd); err != nil {
				return err
			}
			if err := checkEvalTopology(cfg.Topology, "--sources 0", "--dsts 0"); err != nil {
				return err
			}
			cfg.Seed = cfg.Topology.Seed // --seed also orders the pairs
			return f.run(cmd, cfg, func(cfg eval.Config) (*eval.Report, error) { return eval.Run(cmd.Context(), cfg) })
		},
	}
	f.add(cmd, 1)
	cf.add(cmd)
	return cmd
}

func newLabEvalCmd() *cobra.Command {
	var f evalFlags
	var name string
	pc := eval.LabProbe()
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Run many reverse traceroutes across a running lab and score them against ground truth",
		Long: `eval runs the evaluation of 'revtr sim eval' on a running lab, with real
probers in every source and vantage point: the atlas, the vantage points'
spoofing test and every reverse traceroute are real packets through real
kernels. Runtimes are wall time; lab RTTs are microseconds, so sequential
probe rounds are what predicts runtime on the Internet.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := f.config(cmd)
			if err != nil {
				return err
			}
			switch {
			case !(pc.Rate > 0):
				return fmt.Errorf("--rate must be positive, not %g", pc.Rate)
			case pc.Timeout <= 0:
				return fmt.Errorf("--timeout must be positive, not %v", pc.Timeout)
			}
			if err := needRoot(); err != nil {
				return err
			}
			l, err := lab.Open(name)
			if err != nil {
				return err
			}
			if err := checkEvalTopology(l.Topology(), "lab "+name, "lab "+name); err != nil {
				return err
			}
			cfg.Seed = l.Topology().Seed // the lab's seed also orders the pairs
			return f.run(cmd, cfg, func(cfg eval.Config) (*eval.Report, error) { return eval.RunLab(cmd.Context(), l, cfg, pc) })
		},
	}
	f.add(cmd, 4) // silent probes cost real timeouts in the lab: run several at once
	cmd.Flags().StringVar(&name, "name", defaultLabName, "lab name")
	cmd.Flags().Float64Var(&pc.Rate, "rate", pc.Rate, "packets per second per prober")
	cmd.Flags().DurationVar(&pc.Timeout, "timeout", pc.Timeout, "per-probe timeout")
	return cmd
}
