package ussd

import "testing"

func TestDemoLoads(t *testing.T) {
	set, err := LoadSources([]Source{{Name: "demo.yaml", Data: demoYAML}}, DefaultOptions())
	if err != nil {
		t.Fatalf("demo: %v", err)
	}
	for _, w := range set.Warnings() {
		t.Errorf("demo warning: %v", w)
	}
	if info := set.Flows(); len(info) != 1 || info[0].Name != "demo" || !info[0].Default {
		t.Errorf("Flows() = %+v", info)
	}
}
