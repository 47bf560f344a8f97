package main

import (
	"slices"
	"sort"
	"time"
)

// hopLateness bounds how long after the gateway received a USSD hop its
// ussd.input event can reach the stream: it is published in the
// background, after the screen is answered, with a 10 s timeout
// (handlers/ussd.go).
const hopLateness = 10 * time.Second

// hopBuffer puts USSD hops back in the order the gateway received them.
// Their events are published in the background, so under load a hop's
// event can be stored after the next hop's, and a session replayed in
// stream order would then reach the next gateway's menus out of order.
// An event's time is its hop's receive time, and a session's hops are
// received one after another, so held hops are sent by event time.
//
// When may the earliest held hop c go? An unread hop h of c's session
// received before c was published before c was received, so it is
// stored by c's receive time plus hopLateness, which is before c was
// stored plus hopLateness. Once the stream is read past that, h is not
// unread: c goes.
type hopBuffer struct {
	held []stored // by event time
}

// add holds m after every hop received before it or at the same time
// (stream order breaks a tie).
func (b *hopBuffer) add(m stored) {
	i := sort.Search(len(b.held), func(i int) bool { return b.held[i].ev.Time.After(m.ev.Time) })
	b.held = slices.Insert(b.held, i, m)
}

// due removes and returns, in order, the held hops that can go now that
// the stream has been read up to a message stored at now.
func (b *hopBuffer) due(now time.Time) []stored {
	n := 0
	for n < len(b.held) && now.Sub(b.held[n].at) > hopLateness {
		n++
	}
	out := slices.Clone(b.held[:n])
	b.held = slices.Delete(b.held, 0, n)
	return out
}

// all removes and returns every held hop, in order.
func (b *hopBuffer) all() []stored {
	out := b.held
	b.held = nil
	return out
}
