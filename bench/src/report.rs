//! Output: TSV lines (one per scenario and target, median of the repeats), a
//! markdown table comparing the first two targets, and JSON lines on request.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::{Value, json};

use crate::scenario::{RunResult, Scenario};
use crate::target::Target;
use crate::util::{median, percentile};

/// Appends JSON objects, one per line, to a file (or nowhere).
pub struct JsonSink {
    out: Option<BufWriter<File>>,
}

impl JsonSink {
    pub fn open(path: Option<&Path>) -> Result<Self> {
        let out = match path {
            None => None,
            Some(p) => Some(BufWriter::new(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .with_context(|| format!("opening {}", p.display()))?,
            )),
        };
        Ok(JsonSink { out })
    }

    pub fn write(&mut self, v: &Value) -> Result<()> {
        if let Some(out) = &mut self.out {
            serde_json::to_writer(&mut *out, v)?;
            out.write_all(b"\n")?;
            out.flush()?;
        }
        Ok(())
    }

    pub fn run(&mut self, r: &RunRecord<'_>) -> Result<()> {
        let res = r.result;
        self.write(&json!({
            "kind": "run",
            "scenario": r.scenario.name,
            "target": r.target,
            "repeat": r.repeat,
            "size": r.scenario.size,
            "concurrency": r.scenario.conc,
            "requests": res.requests,
            "bytes": res.bytes,
            "secs": res.secs,
            "mib_s": res.mib_s(),
            "ops_s": res.ops_s(),
            "p50_ms": percentile(&res.lat_ms, 0.5),
            "p99_ms": percentile(&res.lat_ms, 0.99),
            "errors": res.errors,
            "first_error": res.first_error,
            "sign_secs": res.sign_secs,
            "server_cpu_secs": res.server_cpu_secs,
            "server_cpu_per_unit": res.cpu_per_unit(r.scenario),
        }))
    }
}

pub struct RunRecord<'a> {
    pub scenario: &'a Scenario,
    pub target: &'a str,
    pub repeat: usize,
    pub result: &'a RunResult,
}

/// All runs of one scenario, indexed by target.
pub struct Summary {
    pub scenario: Scenario,
    pub runs: Vec<Vec<RunResult>>,
}

impl Summary {
    pub fn errors(&self) -> u64 {
        self.runs.iter().flatten().map(|r| r.errors).sum()
    }

    fn values(&self, ti: usize) -> Vec<f64> {
        self.runs[ti]
            .iter()
            .map(|r| r.value(&self.scenario))
            .collect()
    }

    /// Median headline value for target `ti`.
    pub fn median(&self, ti: usize) -> f64 {
        median(&self.values(ti))
    }

    /// The run whose value is the median (upper middle for even counts).
    fn median_run(&self, ti: usize) -> Option<&RunResult> {
        let mut runs: Vec<&RunResult> = self.runs[ti].iter().collect();
        runs.sort_by(|a, b| a.value(&self.scenario).total_cmp(&b.value(&self.scenario)));
        runs.get(runs.len() / 2).copied()
    }

    /// Median server CPU per unit of target `ti` (when measured).
    pub fn median_cpu(&self, ti: usize) -> Option<f64> {
        let v: Vec<f64> = self.runs[ti]
            .iter()
            .filter_map(|r| r.cpu_per_unit(&self.scenario))
            .collect();
        (!v.is_empty()).then(|| median(&v))
    }

    fn target_errors(&self, ti: usize) -> u64 {
        self.runs[ti].iter().map(|r| r.errors).sum()
    }
}

/// Ratio goals (first target / second target) the project publishes.
pub fn goal(sc: &Scenario) -> Option<f64> {
    match (sc.dir, sc.size >= 64 * crate::util::MIB) {
        (crate::scenario::Dir::Get, true) => Some(0.70),
        (crate::scenario::Dir::Put, true) => Some(0.50),
        _ => None,
    }
}

pub fn print_summary(summary: &[Summary], targets: &[Target], sink: &mut JsonSink) -> Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "#scenario\ttarget\tunit\tmedian\tmin\tmax\trepeats\tp50_ms\tp99_ms\trequests\terrors\tserver_cpu"
    )?;
    for s in summary {
        for (ti, t) in targets.iter().enumerate() {
            let vals = s.values(ti);
            let min = vals.iter().copied().fold(f64::INFINITY, f64::min);
            let max = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let mr = s.median_run(ti);
            let p50 = mr.map_or(0.0, |r| percentile(&r.lat_ms, 0.5));
            let p99 = mr.map_or(0.0, |r| percentile(&r.lat_ms, 0.99));
            let requests: u64 = s.runs[ti].iter().map(|r| r.requests).sum();
            let errors = s.target_errors(ti);
            let cpu = s.median_cpu(ti);
            writeln!(
                out,
                "{}\t{}\t{}\t{:.1}\t{:.1}\t{:.1}\t{}\t{:.3}\t{:.3}\t{}\t{}\t{}",
                s.scenario.name,
                t.name,
                s.scenario.unit(),
                s.median(ti),
                min,
                max,
                vals.len(),
                p50,
                p99,
                requests,
                errors,
                cpu.map_or("-".into(), |c| format!("{c:.3}"))
            )?;
            sink.write(&json!({
                "kind": "summary",
                "scenario": s.scenario.name,
                "target": t.name,
                "unit": s.scenario.unit(),
                "median": s.median(ti),
                "min": min,
                "max": max,
                "values": vals,
                "p50_ms": p50,
                "p99_ms": p99,
                "requests": requests,
                "errors": errors,
                "server_cpu_per_unit": cpu,
                "server_cpu_unit": if s.scenario.by_ops() { "us/request" } else { "ms/MiB" },
            }))?;
        }
    }
    writeln!(out)?;
    write!(out, "{}", markdown(summary, targets))?;
    Ok(())
}

/// `| scenario | A | B | A/B | goal |`, medians of the repeats.
pub fn markdown(summary: &[Summary], targets: &[Target]) -> String {
    let compare = targets.len() >= 2;
    let cpu_cols: Vec<usize> = (0..targets.len())
        .filter(|&ti| !targets[ti].cpu_pids.is_empty())
        .collect();
    let mut s = String::from("| scenario |");
    for t in targets {
        s += &format!(" {} |", t.name);
    }
    if compare {
        s += &format!(" {}/{} | goal |", targets[0].name, targets[1].name);
    }
    if !cpu_cols.is_empty() {
        let names: Vec<&str> = cpu_cols
            .iter()
            .map(|&ti| targets[ti].name.as_str())
            .collect();
        s += &format!(" server CPU ({}) |", names.join(" / "));
    }
    s += "\n|---|";
    s += &"---:|".repeat(targets.len());
    if compare {
        s += "---:|---|";
    }
    if !cpu_cols.is_empty() {
        s += "---:|";
    }
    s += "\n";
    for sm in summary {
        let sc = &sm.scenario;
        s += &format!("| {} |", sc.label());
        for ti in 0..targets.len() {
            let errs = sm.target_errors(ti);
            let note = if errs > 0 {
                format!(" ({errs} errors)")
            } else {
                String::new()
            };
            s += &format!(" {:.1} {}{note} |", sm.median(ti), sc.unit());
        }
        if compare {
            let (a, b) = (sm.median(0), sm.median(1));
            let ratio = if b > 0.0 { a / b } else { f64::NAN };
            s += &format!(" {:.0}% |", ratio * 100.0);
            match goal(sc) {
                Some(g) => {
                    let ok = ratio >= g && sm.errors() == 0;
                    s += &format!(
                        " >= {:.0}% {} |",
                        g * 100.0,
                        if ok { "pass" } else { "FAIL" }
                    );
                }
                None => s += " |",
            }
        }
        if !cpu_cols.is_empty() {
            let vals: Vec<String> = cpu_cols
                .iter()
                .map(|&ti| {
                    sm.median_cpu(ti).map_or("-".into(), |c| {
                        if sc.by_ops() {
                            format!("{c:.0}")
                        } else {
                            format!("{c:.2}")
                        }
                    })
                })
                .collect();
            let unit = if sc.by_ops() { "us/req" } else { "ms/MiB" };
            s += &format!(" {} {unit} |", vals.join(" / "));
        }
        s += "\n";
    }
    s
}
