package main

import (
	"bytes"
	"strconv"
	"time"
	"unicode/utf8"
)

// demoServiceCode is the service code every session dials, form-encoded
// (*384*44135#): the code of Africa's Talking's sample, which the built-in
// demo menu answers.
const demoServiceCode = "%2A384%2A44135%23"

// demoEnd is the last screen of the demo's account branch.
const demoEnd = "END Your account number is ACC1001"

// demoHops is the session each worker plays: the demo menu's account
// branch, with Africa's Talking's cumulative text, form-encoded.
var demoHops = [...]struct {
	text string // as sent: "*" is %2A
	end  bool   // the answer must be exactly demoEnd, else a CON screen
}{
	{text: ""},
	{text: "1"},
	{text: "1%2A1", end: true},
}

// appendHop appends the form body of hop text (already form-encoded) of
// session number seq of run: the fields Africa's Talking sends.
func appendHop(b []byte, run string, seq uint64, text string) []byte {
	b = append(b, "sessionId=ATUid_"...)
	b = append(b, run...)
	b = append(b, '_')
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, "&serviceCode="...)
	b = append(b, demoServiceCode...)
	b = appendSubscriber(b, seq)
	b = append(b, "&text="...)
	b = append(b, text...)
	return b
}

// session plays one whole session, storing each hop's latency in lat
// unless lat is nil. Every hop is sent even if an earlier one failed, so
// a run always sends whole sessions.
func (l *loader) session(t *tally, w *worker, lat []time.Duration) {
	seq := l.seq.Add(1) - 1
	allOK := true
	for i, h := range demoHops {
		start := time.Now()
		w.body = appendHop(w.body[:0], l.cfg.run, seq, h.text)
		ok := l.post(t, w)
		if lat != nil {
			lat[i] = time.Since(start)
		}
		if !ok {
			allOK = false
			continue
		}
		if kind := checkScreen(i, h.end, w.answer.Bytes()); kind != "" {
			t.bad++
			t.badKinds[kind]++
			allOK = false
			continue
		}
		t.ok++
	}
	if allOK {
		t.sessionsOK++
	}
}

// checkScreen returns "" if answer is the screen hop i (0-based) should
// get, else what is wrong with it (a short, bounded description).
func checkScreen(i int, end bool, answer []byte) string {
	hop := "hop " + strconv.Itoa(i+1) + ": "
	switch {
	case !bytes.HasPrefix(answer, []byte("CON ")) && !bytes.HasPrefix(answer, []byte("END ")):
		return hop + "not a USSD screen: " + quote(answer)
	case end && string(answer) != demoEnd:
		return hop + "want " + strconv.Quote(demoEnd) + ", got " + quote(answer)
	case !end && !bytes.HasPrefix(answer, []byte("CON ")):
		return hop + "want a CON screen, got " + quote(answer)
	}
	return ""
}

// quote quotes at most 60 bytes of b, cut on a rune boundary.
func quote(b []byte) string {
	const limit = 60
	if len(b) <= limit {
		return strconv.Quote(string(b))
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return strconv.Quote(string(b[:cut])) + "..."
}
