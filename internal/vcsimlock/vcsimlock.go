// Package vcsimlock serialises the govmomi simulator's package-level state for everything in
// one process that builds simulators: the lab and the tests that start a bare vcsim.
// Model.Create appends to simulator.EvalLicense and to the option list every vCenter model
// shares, and Service.NewServer rewrites those options in place: both take the write lock.
// Adding hosts, clusters and VMs reads EvalLicense: building a site takes the read lock.
package vcsimlock

import "sync"

// Globals guards the simulator's package-level state.
var Globals sync.RWMutex
