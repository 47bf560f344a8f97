package config

import (
	"reflect"
	"testing"
)

func TestConsoleDefaultsOffOnLoopback(t *testing.T) {
	c := mustLoad(t, "", nil).Console
	if c.Enabled || !reflect.DeepEqual(c.AllowCIDRs, []string{"127.0.0.0/8", "::1/128"}) {
		t.Errorf("default console = %+v; want off, loopback only", c)
	}
}

func TestConsoleEnvAndFile(t *testing.T) {
	if c := mustLoad(t, "", map[string]string{ConsoleEnv: "1"}).Console; !c.Enabled {
		t.Errorf("%s=1 left the console off", ConsoleEnv)
	}
	path := writeConfig(t, "console:\n  enabled: true\n  allow_cidrs: [127.0.0.1, 10.0.0.0/8]\n")
	c := mustLoad(t, path, map[string]string{ConsoleEnv: "false"}).Console
	if c.Enabled || !reflect.DeepEqual(c.AllowCIDRs, []string{"127.0.0.1", "10.0.0.0/8"}) {
		t.Errorf("console = %+v; want off (env over file) with the file's networks", c)
	}
}

func TestConsoleProblems(t *testing.T) {
	_, err := Load("", false, env(map[string]string{ConsoleEnv: "yes please"}))
	requireErrContains(t, err, ConsoleEnv, `"yes please" is not a switch`)
	path := writeConfig(t, "console:\n  enabled: true\n  allow_cidrs: [10.0.0.0/33]\n")
	_, err = Load(path, true, nil)
	requireErrContains(t, err, "console.allow_cidrs: entry 1")
	path = writeConfig(t, "console:\n  enabled: true\n  allow_cidrs: []\n")
	_, err = Load(path, true, nil)
	requireErrContains(t, err, "console.allow_cidrs: is empty")
}
