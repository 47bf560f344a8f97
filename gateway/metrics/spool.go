package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// spoolCollector asks the spool once per scrape, so its three gauges
// describe the same moment.
type spoolCollector struct {
	read                 func() (records int, bytes int64, oldest time.Time)
	now                  func() time.Time
	records, bytes, aged *prometheus.Desc
}

func newSpoolCollector(read func() (int, int64, time.Time), now func() time.Time) *spoolCollector {
	return &spoolCollector{
		read: read,
		now:  now,
		records: prometheus.NewDesc(Namespace+"_spool_records",
			"Events in the durable spool, accepted but not yet acknowledged by JetStream.", nil, nil),
		bytes: prometheus.NewDesc(Namespace+"_spool_bytes",
			"Bytes the durable spool holds.", nil, nil),
		aged: prometheus.NewDesc(Namespace+"_spool_oldest_age_seconds",
			"Age of the oldest event in the durable spool; 0 when it is empty.", nil, nil),
	}
}

func (c *spoolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.records
	ch <- c.bytes
	ch <- c.aged
}

func (c *spoolCollector) Collect(ch chan<- prometheus.Metric) {
	records, bytes, oldest := c.read()
	age := 0.0
	if records > 0 && !oldest.IsZero() {
		age = max(c.now().Sub(oldest).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(c.records, prometheus.GaugeValue, float64(records))
	ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.GaugeValue, float64(bytes))
	ch <- prometheus.MustNewConstMetric(c.aged, prometheus.GaugeValue, age)
}
