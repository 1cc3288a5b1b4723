//! The loader alone: reading and checking every table of a generated company (the realistic
//! mix: about 10 contacts, 2.5 stage entries, 0.6 clients and 0.4 payments a deal, text
//! quoted) from CSV and from the Parquet `crmstat convert` writes, at 100k and 1M deals.
//! Throughput is rows (all tables) per second. Sizes: CRMSTAT_BENCH_SIZES=100000,1000000.
//! `check` keeps nothing (what `crmstat validate` does); `keep` keeps the canonical
//! columns of every row (what `crmstat query` does; a figure command keeps less).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use crmstat::config::Config;
use crmstat::output::Format;
use crmstat::validate::{self, Demand};

fn sizes() -> Vec<usize> {
    std::env::var("CRMSTAT_BENCH_SIZES")
        .unwrap_or_else(|_| "100000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

fn loader(c: &mut Criterion) {
    let mut group = c.benchmark_group("loader");
    group.sample_size(10);
    for n in sizes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let csv = dir.path().join("csv");
        let (_, rows) = crmstat::generate::write_files(n, 42, &csv, Format::Csv, &mut |_| {})
            .expect("generate");
        let rows: usize = rows.iter().map(|(_, r)| r).sum();
        let (config, _) = Config::load(None, &csv).expect("config");
        let parquet = dir.path().join("parquet");
        std::fs::create_dir_all(&parquet).expect("parquet folder");
        let convert = Demand {
            parquet_into: Some(parquet.clone()),
            ..Demand::everything()
        };
        validate::load_with(&csv, &config, &convert).expect("convert");
        for e in std::fs::read_dir(&parquet).expect("list") {
            let p = e.expect("entry").path();
            if let Some(name) = p.to_str().and_then(|s| s.strip_suffix(".tmp")) {
                std::fs::rename(&p, name).expect("rename");
            }
        }
        group.throughput(Throughput::Elements(rows as u64));
        for (source, path) in [("csv", &csv), ("parquet", &parquet)] {
            for (what, demand) in [
                ("check", Demand::report_only()),
                ("keep", Demand::figures()),
            ] {
                group.bench_with_input(
                    BenchmarkId::new(format!("{source}_{what}"), n),
                    path,
                    |b, path| {
                        b.iter(|| {
                            black_box(validate::load_with(path, &config, &demand).expect("load"))
                        })
                    },
                );
            }
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = loader
}
criterion_main!(benches);
