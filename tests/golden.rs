//! Golden outputs: every figure command, the report's tables and summary.json, validate's
//! problem list and every `queries/*.sql`, on sample-data/, on sample-data as Parquet, on a
//! dirty generated export (`generate --dirty`: other encodings and delimiters, Russian
//! dates, bad and unknown values) and on the real Maven CRM export, compared byte for byte
//! with the files under tests/golden/. The files were written by the engine before the
//! loader was rebuilt for volume (issue 13), so a change of any figure, rejected row or
//! message shows here as a diff. After a deliberate change, rewrite them with
//! `CRMSTAT_BLESS=1 cargo test --test golden` and review the diff like code.
//! Only paths are filtered out (temporary folders differ between runs).

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_crmstat"))
}

/// One data folder and the arguments every command gets for it.
struct Dataset {
    name: &'static str,
    data: PathBuf,
    extra: Vec<String>,
    month: &'static str,
    quarter: &'static str,
}

/// The commands run on every dataset: (golden folder, arguments before `--out`).
fn commands(d: &Dataset) -> Vec<(String, Vec<String>)> {
    let m = d.month.to_string();
    let q = d.quarter.to_string();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let mut out = vec![
        ("funnel".into(), s(&["funnel", "--period", &m])),
        (
            "funnel_flow_by_month".into(),
            s(&["funnel", "--mode", "flow", "--by", "month", "--period", &q]),
        ),
        (
            "funnel_by_manager".into(),
            s(&["funnel", "--by", "manager", "--period", &q]),
        ),
        ("losses".into(), s(&["losses", "--period", &m])),
        (
            "losses_flow".into(),
            s(&["losses", "--mode", "flow", "--period", &q]),
        ),
        ("durations".into(), s(&["durations", "--period", &q])),
        ("managers".into(), s(&["managers", "--period", &m])),
        (
            "managers_by_team".into(),
            s(&["managers", "--by", "team", "--period", &q]),
        ),
        ("payroll".into(), s(&["payroll", "--period", &m])),
        (
            "campaigns_linear".into(),
            s(&["campaigns", "--attribution", "linear", "--period", &q]),
        ),
        ("campaigns".into(), s(&["campaigns", "--period", &m])),
        ("reactivation".into(), s(&["reactivation", "--period", &m])),
        ("report".into(), s(&["report", "--period", &m, "--quiet"])),
    ];
    for sql in queries() {
        let name = sql.file_stem().unwrap().to_string_lossy().into_owned();
        out.push((
            format!("query_{name}"),
            vec!["query".into(), sql.display().to_string()],
        ));
    }
    out
}

fn queries() -> Vec<PathBuf> {
    let mut q: Vec<PathBuf> = std::fs::read_dir(root().join("queries"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    q.sort();
    q
}

/// Run `crmstat ARGS --data DIR [extra] --out OUT`; return the exit code and what it printed
/// to stdout (kept as stdout.txt beside the files), paths hidden.
fn run(d: &Dataset, args: &[String], out: &Path) -> String {
    let mut cmd = Command::new(bin());
    cmd.args(args).arg("--data").arg(&d.data).args(&d.extra);
    let query = args[0] == "query";
    let out_arg = if query {
        out.join("result.csv")
    } else {
        out.to_path_buf()
    };
    cmd.arg("--out").arg(&out_arg);
    let output = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    format!(
        "exit: {}\n{}",
        output.status.code().unwrap_or(-1),
        hide_paths(&stdout, d, out)
    )
}

fn hide_paths(text: &str, d: &Dataset, out: &Path) -> String {
    text.replace(&out.display().to_string(), "<out>")
        .replace(&d.data.display().to_string(), "<data>")
        .replace(&root().display().to_string(), "<root>")
}

/// Files a command wrote that are compared: tables (CSV) and summary.json.
fn outputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    if !dir.is_dir() {
        return files;
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(p) = stack.pop() {
        for e in std::fs::read_dir(&p).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "charts") {
                    stack.push(path);
                }
                continue;
            }
            let rel = path.strip_prefix(dir).unwrap().display().to_string();
            let keep = rel.ends_with(".csv") || rel == "summary.json";
            if keep {
                files.push((rel, std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

fn check(d: &Dataset) {
    let bless = std::env::var_os("CRMSTAT_BLESS").is_some();
    let golden = root().join("tests/golden").join(d.name);
    let mut diffs = Vec::new();
    let mut cases = commands(d);
    cases.insert(0, ("validate".into(), vec!["validate".into()]));
    for (name, args) in cases {
        let out = tempfile::tempdir().unwrap();
        let stdout = run(d, &args, out.path());
        let mut files = outputs(out.path());
        files.push(("stdout.txt".into(), stdout.into_bytes()));
        let dir = golden.join(&name);
        if bless {
            let _ = std::fs::remove_dir_all(&dir);
            for (rel, bytes) in &files {
                let path = dir.join(rel);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, bytes).unwrap();
            }
            continue;
        }
        let mut expected = outputs(&dir);
        if let Ok(s) = std::fs::read(dir.join("stdout.txt")) {
            expected.push(("stdout.txt".into(), s));
            expected.sort();
        }
        files.sort();
        let names = |v: &[(String, Vec<u8>)]| v.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
        if names(&files) != names(&expected) {
            diffs.push(format!(
                "{}/{name}: files differ: got {:?}, expected {:?}",
                d.name,
                names(&files),
                names(&expected)
            ));
            continue;
        }
        for ((rel, got), (_, want)) in files.iter().zip(&expected) {
            if got != want {
                diffs.push(format!(
                    "{}/{name}/{rel} differs:\n{}",
                    d.name,
                    first_difference(want, got)
                ));
            }
        }
    }
    assert!(
        diffs.is_empty(),
        "{} golden outputs differ (CRMSTAT_BLESS=1 rewrites them):\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

/// The first differing line of two texts, as expected / got.
fn first_difference(want: &[u8], got: &[u8]) -> String {
    let (w, g) = (String::from_utf8_lossy(want), String::from_utf8_lossy(got));
    for (i, (a, b)) in w.lines().zip(g.lines()).enumerate() {
        if a != b {
            return format!("  line {}:\n  expected: {a}\n  got:      {b}", i + 1);
        }
    }
    format!(
        "  lengths differ: expected {} lines, got {}",
        w.lines().count(),
        g.lines().count()
    )
}

#[test]
fn sample_data() {
    check(&Dataset {
        name: "sample",
        data: root().join("sample-data"),
        extra: Vec::new(),
        month: "2025-11",
        quarter: "2025-Q2",
    });
}

#[test]
fn sample_data_as_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let status = Command::new(bin())
        .args([
            "generate", "--deals", "3000", "--seed", "42", "--format", "parquet",
        ])
        .arg("--out")
        .arg(&data)
        .output()
        .unwrap();
    assert!(status.status.success());
    check(&Dataset {
        name: "sample-parquet",
        data,
        extra: Vec::new(),
        month: "2025-11",
        quarter: "2025-Q2",
    });
}

#[test]
fn dirty_export() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let status = Command::new(bin())
        .args(["generate", "--deals", "3000", "--seed", "7", "--dirty"])
        .arg("--out")
        .arg(&data)
        .output()
        .unwrap();
    assert!(status.status.success());
    check(&Dataset {
        name: "dirty",
        data,
        extra: Vec::new(),
        month: "2025-10",
        quarter: "2025-Q3",
    });
}

#[test]
fn maven_crm() {
    let data = root().join("../shared/datasets/maven-crm");
    assert!(
        data.join("sales_pipeline.csv").is_file(),
        "../shared is missing"
    );
    check(&Dataset {
        name: "maven",
        data,
        extra: vec![
            "--config".into(),
            root()
                .join("examples/maven-crm/crmstat.toml")
                .display()
                .to_string(),
        ],
        month: "2017-06",
        quarter: "2017-Q3",
    });
}
