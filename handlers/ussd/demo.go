package ussd

import (
	_ "embed"
	"fmt"
)

// demoYAML is the built-in menu: Africa's Talking's sample flow, and the
// first example of the menu language users read.
//
//go:embed demo.yaml
var demoYAML []byte

// Demo returns the built-in menu set, for a gateway configured with no
// menu files. It is checked against the default screen budgets whatever
// opts says, so a small configured budget cannot stop start-up; opts
// still sets the remote subject prefix and timeouts.
func Demo(opts Options) *MenuSet {
	d := DefaultOptions()
	opts.Budget, opts.BudgetUCS2, opts.BudgetByNetwork = d.Budget, d.BudgetUCS2, nil
	set, err := LoadSources([]Source{{Name: "demo.yaml", Data: demoYAML}}, opts)
	if err != nil {
		// The embedded file is tested (TestDemoLoads): this is a build bug.
		panic(fmt.Sprintf("ussd: the built-in demo menu does not load: %v", err))
	}
	return set
}

// DemoYAML returns the built-in menu's source, for `mlango ussd` to print
// as a starting point.
func DemoYAML() []byte { return append([]byte(nil), demoYAML...) }
