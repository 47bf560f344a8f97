package faults

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/mlango/mlango/publish"
)

// A three-node JetStream cluster, a stream with three replicas and two
// gateways taking turns; the node leading the stream is stopped mid-run.
// The stream elects a new leader from the two left, the gateways spool
// across the gap, and nothing acknowledged is lost.
func TestClusterNodeStoppedUnderLoad(t *testing.T) {
	n := callbacks(1500)
	nodes := startCluster(t, 3)
	urls := clientURLs(nodes)
	gw1 := clusterGateway(t, urls, 3)
	gw2 := clusterGateway(t, urls, 3)
	l := newLoad(gw1.URL, gw2.URL)

	var stopped string
	l.run(t, ids(0, n), 16, step{after: n / 3, do: func() {
		leader := streamLeader(t, strings.Join(urls, ","))
		for _, s := range nodes {
			if s.Name() == leader {
				stopped = s.Name()
				s.Shutdown()
				s.WaitForShutdown()
			}
		}
	}})
	if stopped == "" {
		t.Fatal("no node led the stream")
	}
	var left []string
	for _, s := range nodes {
		if s.Name() != stopped {
			left = append(left, s.ClientURL())
		}
	}
	for _, gw := range []string{gw1.URL, gw2.URL} {
		eventually(t, 120*time.Second, "the spool of "+gw+" to drain", func() bool { return spooled(t, gw) == 0 })
	}
	l.verify(t, "cluster node "+stopped+" (stream leader) stopped", strings.Join(left, ","), n)
	if len(l.ok) != n {
		t.Errorf("%d of %d callbacks not answered 2xx (answers %v)", n-len(l.ok), n, l.codes)
	}
}

// startCluster runs n JetStream servers in this process, routed to each
// other, and waits until the cluster has a JetStream meta leader.
func startCluster(t *testing.T, n int) []*server.Server {
	t.Helper()
	routePorts := make([]int, n)
	var routes []string
	for i := range routePorts {
		routePorts[i] = freePort(t)
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", routePorts[i]))
	}
	base := t.TempDir()
	var nodes []*server.Server
	for i := 0; i < n; i++ {
		s, err := server.NewServer(&server.Options{
			ServerName: fmt.Sprintf("n%d", i+1),
			Host:       "127.0.0.1",
			Port:       server.RANDOM_PORT,
			JetStream:  true,
			StoreDir:   filepath.Join(base, fmt.Sprint(i+1)),
			NoSigs:     true,
			NoLog:      true,
			Cluster:    server.ClusterOpts{Name: "mlango-faults", Host: "127.0.0.1", Port: routePorts[i]},
			Routes:     server.RoutesFromStr(strings.Join(routes, ",")),
		})
		if err != nil {
			t.Fatal(err)
		}
		s.Start()
		t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
		if !s.ReadyForConnections(30 * time.Second) {
			t.Fatalf("node %d not ready", i+1)
		}
		nodes = append(nodes, s)
	}
	url := strings.Join(clientURLs(nodes), ",")
	eventually(t, 60*time.Second, "a JetStream meta leader", func() bool {
		nc, err := nats.Connect(url)
		if err != nil {
			return false
		}
		defer nc.Close()
		js, _ := jetstream.New(nc)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err = js.AccountInfo(ctx)
		return err == nil
	})
	return nodes
}

func clientURLs(nodes []*server.Server) []string {
	var urls []string
	for _, s := range nodes {
		urls = append(urls, s.ClientURL())
	}
	return urls
}

func streamLeader(t *testing.T, url string) string {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, "TELECOM")
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Cluster == nil {
		t.Fatal("stream has no cluster info")
	}
	if info.Config.Replicas != 3 || len(info.Cluster.Replicas) != 2 {
		t.Fatalf("stream has %d replicas (%d followers), want 3", info.Config.Replicas, len(info.Cluster.Replicas))
	}
	return info.Cluster.Leader
}

// clusterGateway is a gateway on the cluster at urls. The first Open
// creates the replicated stream; with a young cluster that can need a few
// tries while the meta leader settles.
func clusterGateway(t *testing.T, urls []string, replicas int) *served {
	t.Helper()
	var store *publish.Store
	eventually(t, 60*time.Second, "the stream to be created", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var err error
		store, err = publish.Open(ctx, publish.Options{
			URLs: urls, Name: "mlango-faults", Replicas: replicas,
			DuplicateWindow: time.Hour, PublishTimeout: 2 * time.Second, FailFastWhileDisconnected: true,
		}, zerolog.Nop())
		return err == nil
	})
	return serve(t, store, t.TempDir(), nil)
}
