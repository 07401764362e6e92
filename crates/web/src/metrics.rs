//! Request counts and latencies by method, route and status, in the Prometheus text
//! format.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

/// Upper bounds (seconds) of the latency histogram buckets.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
struct Series {
    counts: [u64; BUCKETS.len()],
    total: u64,
    sum_s: f64,
}

/// Request counts and latencies by method, route and status.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), Series>>,
}

impl Metrics {
    pub fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut m = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        let s = m
            .entry((method.to_string(), route.to_string(), status))
            .or_default();
        s.total += 1;
        s.sum_s += seconds;
        for (i, b) in BUCKETS.iter().enumerate() {
            if seconds <= *b {
                s.counts[i] += 1;
            }
        }
    }

    /// Prometheus text exposition format.
    pub fn render(&self) -> String {
        let m = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::new();
        out.push_str(
            "# HELP bankdesk_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE bankdesk_http_requests_total counter\n");
        for ((method, route, status), s) in m.iter() {
            let _ = writeln!(
                out,
                "bankdesk_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {}",
                s.total
            );
        }
        out.push_str("# HELP bankdesk_http_request_duration_seconds Request latency.\n");
        out.push_str("# TYPE bankdesk_http_request_duration_seconds histogram\n");
        let mut by_route: BTreeMap<(&str, &str), Series> = BTreeMap::new();
        for ((method, route, _), s) in m.iter() {
            let agg = by_route.entry((method, route)).or_default();
            agg.total += s.total;
            agg.sum_s += s.sum_s;
            for i in 0..BUCKETS.len() {
                agg.counts[i] += s.counts[i];
            }
        }
        for ((method, route), s) in by_route {
            let labels = format!("method=\"{method}\",route=\"{route}\"");
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "bankdesk_http_request_duration_seconds_bucket{{{labels},le=\"{b}\"}} {}",
                    s.counts[i]
                );
            }
            let _ = writeln!(
                out,
                "bankdesk_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.total
            );
            let _ = writeln!(
                out,
                "bankdesk_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum_s
            );
            let _ = writeln!(
                out,
                "bankdesk_http_request_duration_seconds_count{{{labels}}} {}",
                s.total
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_counts_cumulatively() {
        let m = Metrics::default();
        m.record("GET", "/x", 200, 0.003);
        m.record("GET", "/x", 500, 0.2);
        let text = m.render();
        assert!(text.contains(
            "bankdesk_http_requests_total{method=\"GET\",route=\"/x\",status=\"200\"} 1"
        ));
        assert!(text.contains("bankdesk_http_request_duration_seconds_bucket{method=\"GET\",route=\"/x\",le=\"0.005\"} 1"));
        assert!(text.contains("bankdesk_http_request_duration_seconds_bucket{method=\"GET\",route=\"/x\",le=\"0.25\"} 2"));
        assert!(text.contains(
            "bankdesk_http_request_duration_seconds_count{method=\"GET\",route=\"/x\"} 2"
        ));
    }
}
