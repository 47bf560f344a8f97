package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// consoleHop posts one hop to the console's API of the gateway at base.
func consoleHop(t *testing.T, base, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(base+"/console/api/ussd/hop", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

func TestConsoleOffByDefault(t *testing.T) {
	base := strings.TrimSuffix(startGateway(t, nil), "/api/ussd/session")
	resp, err := http.Get(base + "/console")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /console with the console off = %d; want 404", resp.StatusCode)
	}
}

// TestConsoleHopPassesTheGuard: with an Africa's Talking token set, the
// console's hops carry it through the guard, and its answers never show it.
func TestConsoleHopPassesTheGuard(t *testing.T) {
	base := strings.TrimSuffix(startGateway(t, map[string]string{"MLANGO_CONSOLE": "1", "MLANGO_AFRICASTALKING_TOKEN": "tok-console-0123456789abcdef"}), "/api/ussd/session")
	code, out := consoleHop(t, base, `{"sessionId":"ATUid_console","serviceCode":"*384*44135#","phoneNumber":"+254711000111","networkCode":"63902","text":""}`)
	if code != 200 || out["kind"] != "CON" || out["metadata"] != "main" {
		t.Fatalf("hop through the console = %d %v", code, out)
	}
	resp, err := http.Post(base+"/api/ussd/session", "application/x-www-form-urlencoded", strings.NewReader("sessionId=ATUid_x&text="))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the session route without the token = %d; want 401 (the guard is on)", resp.StatusCode)
	}
}
