package main

import (
	"context"
	"io"

	"github.com/vmcross/vmcross/backend"
)

// startEngine opens the source, builds and starts its engine (with the audit log when
// audited: commands that move VMs), and waits for both sites' inventories and the switches'
// first round. stop closes the engine (within quitWithin) and the source.
func startEngine(ctx context.Context, src *sourceFlags, status io.Writer, audited bool) (s *source, eng *backend.Engine, stop func(), err error) {
	s, err = src.open(ctx, status)
	if err != nil {
		return nil, nil, nil, err
	}
	eng = s.engine()
	if audited {
		if err := s.enableAudit(eng); err != nil {
			s.Close()
			return nil, nil, nil, err
		}
	}
	eng.Start(ctx)
	stop = func() {
		closeWithin(eng, quitWithin)
		s.Close()
	}
	wctx, cancel := context.WithTimeout(ctx, loadTimeout)
	defer cancel()
	if err := eng.WaitLoaded(wctx); err != nil {
		stop()
		return nil, nil, nil, err
	}
	waitFabric(ctx, eng)
	return s, eng, stop, nil
}
