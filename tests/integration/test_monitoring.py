"""The admin's monitoring pieces in packaging/: the Prometheus alerting rules and the Grafana
dashboard, against the daemon itself.

- `promtool check rules` passes on the rules, and `promtool test rules` on
  tests/monitoring/support-milter.rules.test.yml (series fed minute by minute, the alerts expected).
- Every series a dashboard query or an alert names is one a running support-milter exports on
  /metrics (read with prometheus_client's parser), or `up`, which Prometheus adds to every target.
- A real Prometheus (Debian's, on 127.0.0.1) scrapes that daemon and loads the rules: every
  dashboard query returns data, every rule evaluates without error, a healthy daemon raises no
  alert, and once the daemon is stopped SupportMilterDown is pending.

Needs root (the daemon drops to an unprivileged user), promtool and prometheus (Debian package
prometheus), python3-yaml and python3-prometheus-client."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import urllib.parse
import urllib.request

import yaml
from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

RULES = os.path.join(harness.ROOT, "packaging", "prometheus", "support-milter.rules.yml")
RULES_TEST = os.path.join(harness.ROOT, "tests", "monitoring", "support-milter.rules.test.yml")
DASHBOARD = os.path.join(harness.ROOT, "packaging", "grafana", "support-milter.json")
JOB = "support-milter"
# Series Prometheus adds to every target it scrapes; the rules use only `up`.
SCRAPE_SERIES = {"up"}

# PromQL words that are not series names: keywords, set operators, special numbers. Function and
# aggregation names are recognised by what follows them.
PROMQL_WORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left",
                "group_right", "inf", "nan", "atan2"}
PROMQL_TOKEN = re.compile(r"""
    (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<labels>\{[^}]*\})
  | (?P<range>\[[^\]]*\])
  | (?P<grouping>\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\))
  | (?P<duration>\b\d+(?:ms|[smhdwy])\b)
  | (?P<number>\b(?:0x[0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)\b|\.\d+)
  | (?P<name>[A-Za-z_:][A-Za-z0-9_:]*)(?P<call>(?=\s*(?:\(|(?:by|without)\s*\()))?
    """, re.X)


def promql_series(expr):
    """The series names a PromQL expression selects. PromQL has no parser among Debian's Python
    packages; its lexical rules suffice here: strings, label matchers, ranges, grouping clauses,
    durations and numbers are skipped, and a name followed by "(" (or by a grouping clause, as in
    `sum by (le) (…)`) is a function or aggregation."""
    if "__name__" in expr:
        raise AssertionError(f"selecting by __name__ is not checked here: {expr}")
    names = set()
    for m in PROMQL_TOKEN.finditer(expr):
        if m.group("name") and m.group("call") is None and m.group("name").lower() not in PROMQL_WORDS:
            names.add(m.group("name"))
    return names


def grafana_expr(expr):
    """A dashboard query as Grafana sends it, for a time range of an hour and every milter."""
    return (expr.replace("$__rate_interval", "1m").replace("$__interval", "15s").replace("$__range", "1h")
            .replace("$instance", ".*"))


def dashboard_queries():
    with open(DASHBOARD) as f:
        dash = json.load(f)
    queries = []
    for panel in dash["panels"]:
        for target in panel.get("targets", []):
            queries.append((f'panel "{panel["title"]}" {target["refId"]}', target["expr"]))
    return dash, queries


def rule_queries():
    with open(RULES) as f:
        rules = yaml.safe_load(f)
    return [(f'alert {r["alert"]}', r["expr"]) for g in rules["groups"] for r in g["rules"]]


def http_json(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        body = json.load(r)
    if body.get("status") != "success":
        raise AssertionError(f"{url}: {body}")
    return body["data"]


class Monitoring(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("the daemon drops to an unprivileged user: run as root")
        for tool in ("promtool", "prometheus"):
            if not shutil.which(tool):
                raise AssertionError(f"{tool} is missing: scripts/install-deps.sh installs the package prometheus")
        cls.work = harness.Workdir("support-milter-monitoring")
        cls.metrics_port = harness.free_port()
        cls.milter = harness.Milter(cls.work, extra=f'[metrics]\nlisten = "127.0.0.1:{cls.metrics_port}"\n').start()
        cls.prometheus = None

        def scrape():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{cls.metrics_port}/metrics", timeout=5) as r:
                    return r.read().decode()
            except OSError:
                return None
        cls.metrics_text = harness.wait_until(scrape, 20, "the daemon's /metrics", cls.milter.diagnostics)

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "prometheus", None) and cls.prometheus.poll() is None:
            cls.prometheus.terminate()
            try:
                cls.prometheus.wait(30)
            except subprocess.TimeoutExpired:
                cls.prometheus.kill()
                cls.prometheus.wait()
        if getattr(cls, "milter", None):
            cls.milter.stop()
        if getattr(cls, "work", None):
            cls.work.remove()

    def exported(self):
        """The series names on the daemon's /metrics (histograms as their _bucket, _sum, _count)."""
        names = set()
        for family in text_string_to_metric_families(self.metrics_text):
            names.update(s.name for s in family.samples)
        return names

    def test_1_promtool_check_rules(self):
        r = harness.run(["promtool", "check", "rules", RULES], check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("SUCCESS: 6 rules found", r.stdout)

    def test_2_promtool_test_rules(self):
        r = harness.run(["promtool", "test", "rules", RULES_TEST], check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("SUCCESS", r.stdout)
        # Every alert of the rules is exercised by the unit tests.
        with open(RULES_TEST) as f:
            tested = {t["alertname"] for case in yaml.safe_load(f)["tests"] for t in case["alert_rule_test"]
                      if t.get("exp_alerts")}
        self.assertEqual(tested, {q[0].removeprefix("alert ") for q in rule_queries()})

    def test_3_the_daemon_exports_what_the_queries_name(self):
        exported = self.exported()
        # The series the daemon documents (README, Metrics), read from the live endpoint.
        for name in ("support_milter_messages_total", "support_milter_findings_total",
                     "support_milter_processing_seconds_bucket", "support_milter_errors_total",
                     "support_milter_customers_waiting", "support_milter_oldest_wait_seconds",
                     "process_start_time_seconds"):
            self.assertIn(name, exported)
        _, panels = dashboard_queries()
        checked = panels + rule_queries()
        self.assertGreaterEqual(len(checked), 20)
        for where, expr in checked:
            names = promql_series(grafana_expr(expr))
            self.assertTrue(names, f"{where}: no series found in {expr}")
            unknown = names - exported - SCRAPE_SERIES
            self.assertFalse(unknown, f"{where} names series the daemon does not export: {sorted(unknown)}\n{expr}")

    def test_4_the_series_reader_sees_through_promql(self):
        self.assertEqual(promql_series(
            'histogram_quantile(0.99, sum by (le, job) (rate(x_bucket{le!="+Inf", job=~"a|b"}[5m:1m] offset 1h)))'
            ' > 1e3 unless on (job) group_left(rule) y:ratio * -0.5 and bool inf'), {"x_bucket", "y:ratio"})
        self.assertEqual(promql_series('sum(support_milter_message_total{action="hold"}) by (instance)'),
                         {"support_milter_message_total"})
        # A misspelt series is what the check above reports.
        self.assertNotIn("support_milter_message_total", self.exported())

    def test_5_dashboard_is_grafana_json(self):
        dash, panels = dashboard_queries()
        self.assertEqual(dash["uid"], "support-milter")
        ids = [p["id"] for p in dash["panels"]]
        self.assertEqual(len(ids), len(set(ids)))
        variables = {v["name"]: v for v in dash["templating"]["list"]}
        self.assertEqual(variables["datasource"]["query"], "prometheus")
        for p in dash["panels"]:
            self.assertEqual(p["datasource"], {"type": "prometheus", "uid": "${datasource}"}, p["title"])
            refs = [t["refId"] for t in p["targets"]]
            self.assertEqual(len(refs), len(set(refs)), p["title"])
        # Each query is one Prometheus parses: promtool checks them as recording rules.
        with tempfile.NamedTemporaryFile("w", suffix=".yml") as f:
            yaml.safe_dump({"groups": [{"name": "dashboard", "rules": [
                {"record": f"dashboard:query{i}", "expr": grafana_expr(e)} for i, (_, e) in enumerate(panels)]}]}, f)
            f.flush()
            r = harness.run(["promtool", "check", "rules", f.name], check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_6_real_prometheus_scrapes_the_daemon(self):
        cls = type(self)
        port = harness.free_port()
        data = self.work.sub("prometheus")
        config = os.path.join(self.work.path, "prometheus.yml")
        with open(config, "w") as f:
            yaml.safe_dump({"global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                            "rule_files": [RULES],
                            "scrape_configs": [{"job_name": JOB,
                                                "static_configs": [{"targets": [f"127.0.0.1:{self.metrics_port}"]}]}]}, f)
        log_path = os.path.join(self.work.path, "prometheus.log")
        with open(log_path, "wb") as log:
            cls.prometheus = subprocess.Popen(
                ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={data}",
                 f"--web.listen-address=127.0.0.1:{port}"],
                stdout=log, stderr=subprocess.STDOUT)
        api = f"http://127.0.0.1:{port}/api/v1"

        def diagnostics():
            return "--- prometheus ---\n" + harness.tail(log_path) + self.milter.diagnostics()

        def query(expr):
            if cls.prometheus.poll() is not None:
                raise AssertionError(f"prometheus exited {cls.prometheus.returncode}\n{diagnostics()}")
            try:
                return http_json(f"{api}/query?" + urllib.parse.urlencode({"query": expr}))["result"]
            except OSError:
                return None

        harness.wait_until(lambda: query(f'up{{job="{JOB}"}} == 1'), 60, "prometheus scraping the daemon", diagnostics)
        # rate() over a minute needs two scrapes: every panel has data soon after.
        _, panels = dashboard_queries()
        for where, expr in panels:
            result = harness.wait_until(lambda: query(grafana_expr(expr)), 30, f"data for {where}", diagnostics)
            target = f"127.0.0.1:{self.metrics_port}"
            self.assertTrue(all(s["metric"].get("instance", target) == target for s in result), result)

        # Every rule evaluated, without an error, and nothing fires for a healthy daemon.
        def evaluated():
            groups = http_json(f"{api}/rules")["groups"]
            rules = [r for g in groups for r in g["rules"]]
            if len(rules) != len(rule_queries()) or any(r["lastEvaluation"].startswith("0001") for r in rules):
                return None
            return rules
        rules = harness.wait_until(evaluated, 30, "every rule evaluated", diagnostics)
        for r in rules:
            self.assertEqual(r["health"], "ok", r)
        self.assertEqual(http_json(f"{api}/alerts")["alerts"], [])

        # The daemon stops: its scrape fails and SupportMilterDown waits out its `for`.
        self.milter.stop()

        def down_pending():
            return [a for a in http_json(f"{api}/alerts")["alerts"] if a["labels"]["alertname"] == "SupportMilterDown"]
        alerts = harness.wait_until(down_pending, 30, "SupportMilterDown pending", diagnostics)
        self.assertEqual(alerts[0]["state"], "pending")
        self.assertEqual(alerts[0]["labels"]["instance"], f"127.0.0.1:{self.metrics_port}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
