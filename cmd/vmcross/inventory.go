package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"strconv"
	"strings"
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
}

func newInventoryCmd() *cobra.Command {
	var src sourceFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "inventory",
		Short: "Print every VM of both sites (for scripts)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := signalContext(cmd.Context())
			defer cancel()
			rows, err := loadInventory(ctx, &src, cmd.ErrOrStderr())
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
	return cmd
}

func loadInventory(ctx context.Context, src *sourceFlags, status io.Writer) ([]inventoryRow, error) {
	s, err := src.open(ctx, status)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	eng := backend.NewEngine(s.specs) // the inventory needs no switches
	eng.Start(ctx)
	defer eng.Close()
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
	return rows, nil
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
