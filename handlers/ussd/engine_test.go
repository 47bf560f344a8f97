package ussd_test

import (
	"testing"

	"github.com/mlango/mlango/handlers/ussd"
)

func TestDemoSmoke(t *testing.T) {
	n := startNATS(t)
	r := n.newRig(t, nil, ussd.DefaultOptions())
	c, resp := r.dial(t, "S1", "*384*44135#")
	wantScreen(t, resp, lines("CON What would you want to check", "1. My Account", "2. My phone number"))
	wantScreen(t, c.send(t, "1"), lines("CON Choose account information you want to view", "1. Account number"))
	wantScreen(t, c.send(t, "1"), "END Your account number is ACC1001")
}
