package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vmcross/vmcross/backend"
	"github.com/vmcross/vmcross/backend/model"
)

// inventoryRow is one VM as `vmcross inventory` prints it; the JSON field names are a
// stable interface for scripts.
type inventoryRow struct {
	Site       model.SiteID     `json:"site"`
	Name       string           `json:"name"`
	MoRef      string           `json:"moref"`
	Power      model.PowerState `json:"power"`
	Host       string           `json:"host"`
	Cluster    string           `json:"cluster"`
	CPU        int32            `json:"vcpu"`
	MemoryMiB  int32            `json:"memory_mib"`
	VLANs      []int            `json:"vlans"`
	Datastores []string         `json:"datastores"`
	// Set with --details: devices, snapshots, reservations, as the console's detail view.
	Details *model.VMDetails `json:"details,omitempty"`
}

// interruptedCloseWithin bounds the engine's shutdown after SIGINT or SIGTERM.
const interruptedCloseWithin = 500 * time.Millisecond

// detailWorkers is how many VMs' details are read at once: a few calls in flight per
// vCenter, not thousands.
const detailWorkers = 4

func newInventoryCmd() *cobra.Command {
	var src sourceFlags
	var asJSON, details bool
	cmd := &cobra.Command{
		Use:   "inventory",
		Short: "Print every VM of both sites (for scripts)",
		Long: `Print every VM of both sites: a table, or JSON with --json.
With --json --details each VM also carries its devices (disks and their backings, SCSI
controllers and bus sharing, CD/DVD drives, NICs), snapshot tree, fault tolerance and memory
reservation, read with one call per VM.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if details && !asJSON {
				return &usageError{"--details needs --json: the details do not fit a table"}
			}
			ctx, cancel := signalContext(cmd.Context())
			defer cancel()
			rows, err := loadInventory(ctx, &src, cmd.ErrOrStderr(), details)
			if err != nil {
				return err
			}
			if asJSON {
				return writeInventoryJSON(cmd.OutOrStdout(), rows)
			}
			return writeInventoryTable(cmd.OutOrStdout(), rows)
		},
	}
	src.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	cmd.Flags().BoolVar(&details, "details", false, "with --json: add each VM's devices, snapshots and reservations")
	return cmd
}

func loadInventory(ctx context.Context, src *sourceFlags, status io.Writer, details bool) ([]inventoryRow, error) {
	s, err := src.open(ctx, status)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	// The inventory needs no switches, and reads only what it prints (the details, with
	// --details, are read apart).
	eng := backend.NewEngine(s.specs, backend.WithListProperties())
	eng.Start(ctx)
	defer func() {
		if ctx.Err() != nil {
			// Interrupted: logging out of a vCenter that does not answer must not hold
			// the exit past a second.
			closeWithin(eng, interruptedCloseWithin)
			return
		}
		eng.Close()
	}()
	wctx, cancel := context.WithTimeout(ctx, loadTimeout)
	defer cancel()
	started := time.Now()
	if err := eng.WaitLoaded(wctx); err != nil {
		return nil, err
	}
	log.Printf("both sites loaded in %v", time.Since(started).Round(time.Millisecond))
	var rows []inventoryRow
	for _, site := range eng.Snapshot().Sites {
		for _, vm := range site.VMs {
			rows = append(rows, inventoryRow{
				Site: vm.Key.Site, Name: vm.Name, MoRef: vm.Key.MoRef, Power: vm.Power,
				Host: vm.Host, Cluster: vm.Cluster, CPU: vm.CPU, MemoryMiB: vm.MemoryMiB,
				VLANs: nonNilInts(vm.VLANs), Datastores: nonNilStrings(vm.Datastores),
			})
		}
	}
	if details {
		if err := addDetails(ctx, eng, rows); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// addDetails reads every row's details through the engine, a few at a time. The first
// failure (other than a VM deleted meanwhile, which keeps no details) ends it.
func addDetails(ctx context.Context, eng *backend.Engine, rows []inventoryRow) error {
	who := model.LocalOperator("cli")
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	errs := make(chan error, detailWorkers)
	var wg sync.WaitGroup
	for range detailWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				d, err := eng.Details(ctx, who, model.VMKey{Site: rows[i].Site, MoRef: rows[i].MoRef})
				switch {
				case errors.Is(err, backend.ErrVMGone):
				case err != nil:
					errs <- fmt.Errorf("details of %s at %s: %w", rows[i].Name, rows[i].Site, err)
					cancel()
					return
				default:
					rows[i].Details = &d
				}
			}
		}()
	}
feed:
	for i := range rows {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	return ctx.Err()
}

func nonNilInts(v []int) []int {
	if v == nil {
		return []int{}
	}
	return v
}

func nonNilStrings(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

func writeInventoryJSON(w io.Writer, rows []inventoryRow) error {
	if rows == nil {
		rows = []inventoryRow{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rows)
}

func writeInventoryTable(w io.Writer, rows []inventoryRow) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SITE\tNAME\tMOREF\tPOWER\tHOST\tCLUSTER\tVCPU\tMEM_MIB\tVLANS\tDATASTORES")
	for _, r := range rows {
		vlans := make([]string, len(r.VLANs))
		for i, v := range r.VLANs {
			vlans[i] = strconv.Itoa(v)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", r.Site, r.Name, r.MoRef, r.Power, r.Host, r.Cluster,
			r.CPU, r.MemoryMiB, dash(strings.Join(vlans, ",")), dash(strings.Join(r.Datastores, ",")))
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
