package backend

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vmware/govmomi/vim25"

	"github.com/vmcross/vmcross/backend/model"
)

// ErrUnknownSite is returned for a site id the engine does not have.
var ErrUnknownSite = errors.New("unknown site")

// ErrNoFabric is returned by PollFabric when no switches are configured.
var ErrNoFabric = errors.New("no switches are configured")

// Events delivers every event after sequence number `after` (0: from the first one kept),
// in order and without loss, until ctx ends or the engine closes. Each reader goes at its
// own pace; none holds up the engine.
func (e *Engine) Events(ctx context.Context, after uint64) <-chan model.Event {
	return e.events.Subscribe(ctx, after, e.done)
}

// LastEvent is the sequence number of the newest event (0: none yet): subscribe after it to
// get only what happens from now on.
func (e *Engine) LastEvent() uint64 { return e.events.Last() }

// command runs one operator command: it checks the role, records the command in the event
// stream, runs do, and records how it ended. It returns do's error, or a
// *model.RefusedError.
func (e *Engine) command(who model.Operator, c model.Command, site model.SiteID, object string, do func() (string, error)) error {
	ev := model.Event{Command: c, Operator: who, Site: site, Object: object}
	if err := model.Authorize(who, c); err != nil {
		ev.Kind, ev.Err = model.EventCommandRefused, err.Error()
		e.events.Append(ev)
		return err
	}
	if err := e.readOnlyRefusal(who, c); err != nil {
		ev.Kind, ev.Err = model.EventCommandRefused, err.Error()
		e.events.Append(ev)
		return err
	}
	if err := e.auditRefusal(c); err != nil {
		ev.Kind, ev.Err = model.EventCommandRefused, err.Error()
		e.events.Append(ev)
		return err
	}
	ev.Kind = model.EventCommand
	e.events.Append(ev)
	msg, err := do()
	if err != nil {
		ev.Kind, ev.Err = model.EventCommandFailed, err.Error()
	} else {
		ev.Kind, ev.Message = model.EventCommandDone, msg
	}
	e.events.Append(ev)
	return err
}

// PollFabric asks the fabric monitor to poll every switch now. It does not wait for the
// poll: its result arrives in a State like any other.
func (e *Engine) PollFabric(ctx context.Context, who model.Operator) error {
	return e.command(who, model.CmdPollFabric, "", "switches", func() (string, error) {
		e.mu.RLock()
		f := e.fabric
		e.mu.RUnlock()
		if f == nil {
			return "", ErrNoFabric
		}
		f.PollNow()
		return "poll of every switch started", nil
	})
}

// ReconnectSite drops a site's vCenter session and logs in again at once. It returns when
// the request is made; the site's state (and a site.connected event) shows the outcome.
func (e *Engine) ReconnectSite(ctx context.Context, who model.Operator, id model.SiteID) error {
	return e.command(who, model.CmdReconnectSite, id, string(id), func() (string, error) {
		s, ok := e.byID[id]
		if !ok {
			return "", fmt.Errorf("%q: %w", id, ErrUnknownSite)
		}
		s.Reconnect()
		return "new session requested", nil
	})
}

// Call runs fn on the live vCenter session of a site, waiting up to wait (0: 10 s) for a
// reconnect when there is none. It fails with a *SiteError (wrapping ErrSiteUnavailable
// when no session came in time); fn never gets a nil client.
func (e *Engine) Call(ctx context.Context, id model.SiteID, op string, wait time.Duration, fn func(context.Context, *vim25.Client) error) error {
	s, ok := e.byID[id]
	if !ok {
		return fmt.Errorf("%q: %w", id, ErrUnknownSite)
	}
	return s.Call(ctx, op, wait, fn)
}

// Details returns a VM's devices, snapshots and reservations: from the cache while the VM's
// change version and snapshot count are those it was read at, else in one call on the
// site's live session. A VM that is gone fails with an error matching ErrVMGone.
func (e *Engine) Details(ctx context.Context, who model.Operator, key model.VMKey) (model.VMDetails, error) {
	if !who.Role.AtLeast(model.RoleViewer) {
		return model.VMDetails{}, &model.RefusedError{Command: "details", Operator: who, Reason: "no role"}
	}
	snap, ok := e.Snapshot().Site(key.Site)
	if !ok {
		return model.VMDetails{}, fmt.Errorf("%q: %w", key.Site, ErrUnknownSite)
	}
	vm, listed := snap.VM(key.MoRef)
	if listed {
		if d, ok := e.details.get(key, vm.ChangeVersion, vm.Snapshots); ok {
			return d, nil
		}
	}
	var d model.VMDetails
	err := e.Call(ctx, key.Site, "details", 0, func(ctx context.Context, c *vim25.Client) error {
		var err error
		d, err = fetchDetails(ctx, c, key, snap)
		return err
	})
	if err != nil {
		if errors.Is(err, ErrVMGone) {
			e.details.forget(key)
		}
		return model.VMDetails{}, err
	}
	e.details.put(d)
	return d, nil
}
