// Package preflight judges whether selected VMs can be moved to the other site: the vMotion
// profiles (what a vSphere generation can take), the mapping of each VM's cluster, datastores
// and networks to the target site, and the rules that turn the inventory, the VMs' details
// and the DCI's health into findings with a code, a severity, a message and a remedy.
//
// Everything here is a pure function of data (STYLE rule 21): no I/O, no clock, no
// package-level mutable state. The engine gathers the snapshots and details; the console,
// the CLI and serve read the same findings.
package preflight
