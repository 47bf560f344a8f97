package faults

import (
	"fmt"
	"testing"
	"time"
)

// NATS is SIGKILLed under load and started again on the same store: the
// gateway spools what JetStream cannot take, answers 2xx all along, and
// forwards the spool once NATS is back.
func TestNATSKilledAndRestartedUnderLoad(t *testing.T) {
	n := callbacks(3000)
	ns := startNATS(t)
	gw := startGateway(t, ns.url, t.TempDir())
	l := newLoad(gw.url)
	l.run(t, ids(0, n), 16,
		step{after: n / 3, do: ns.kill},
		step{after: 2 * n / 3, do: ns.start},
	)
	eventually(t, 120*time.Second, "the gateway's spool to drain", func() bool { return spooled(t, gw.url) == 0 })
	st, _ := spoolState(gw.url)
	if st.Forwarded == 0 {
		t.Errorf("nothing went through the spool: NATS was not down long enough to test it")
	}
	l.verify(t, fmt.Sprintf("NATS killed and restarted (%d answered from the spool, then forwarded)", st.Forwarded), ns.url, n)
	if len(l.ok) != n {
		t.Errorf("%d of %d callbacks were not answered 2xx (answers %v): the spool should have taken them", n-len(l.ok), n, l.codes)
	}
}
