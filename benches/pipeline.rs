//! Reading + validation, the funnel, manager KPIs, payroll, campaigns and reactivation on generated data at 10k, 100k and 1M deals.
//! Rows per second are criterion's throughput (elements = deals). Sizes can be narrowed
//! with CRMSTAT_BENCH_SIZES=10000,100000. Peak memory: see benches/measure.sh.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use crmstat::config::{Attribution, Config};
use crmstat::metrics::managers::{self, ManagerGroup};
use crmstat::metrics::{Mode, campaigns, funnel, payroll, reactivation, snapshot::Snapshot};
use crmstat::output::Format;
use crmstat::period::Period;

fn sizes() -> Vec<usize> {
    std::env::var("CRMSTAT_BENCH_SIZES")
        .unwrap_or_else(|_| "10000,100000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

fn pipeline(c: &mut Criterion) {
    let mut group = c.benchmark_group("pipeline");
    group.sample_size(10);
    for n in sizes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut data = crmstat::generate::generate(n, 42).expect("generate");
        crmstat::generate::write(&mut data, dir.path(), Format::Csv).expect("write");
        let (config, _) = Config::load(None, dir.path()).expect("config");
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(
            BenchmarkId::new("read_and_validate", n),
            dir.path(),
            |b, path| b.iter(|| black_box(crmstat::validate::load(path, &config).expect("load"))),
        );
        let loaded = crmstat::validate::load(dir.path(), &config).expect("load");
        let period = Period::resolve(Some("2025"), None, None, None, None).expect("period");
        group.bench_function(BenchmarkId::new("funnel_cohort_2025", n), |b| {
            b.iter(|| {
                let snap =
                    Snapshot::build(&loaded.tables, &loaded.stages, &period).expect("snapshot");
                black_box(funnel::funnel(&snap, Mode::Cohort, None).expect("funnel"))
            })
        });
        let snap = Snapshot::build(&loaded.tables, &loaded.stages, &period).expect("snapshot");
        let roster = managers::roster(&loaded.tables, &period).expect("roster");
        group.bench_function(BenchmarkId::new("managers_2025", n), |b| {
            b.iter(|| {
                black_box(
                    managers::manager_kpis(
                        &loaded.tables,
                        &snap,
                        &roster,
                        ManagerGroup::Manager,
                        config.payroll.basis,
                        None,
                    )
                    .expect("managers"),
                )
            })
        });
        group.bench_function(BenchmarkId::new("payroll_2025", n), |b| {
            b.iter(|| {
                black_box(
                    payroll::payroll(&loaded.tables, &snap, &roster, &config.payroll)
                        .expect("payroll"),
                )
            })
        });
        group.bench_function(BenchmarkId::new("campaigns_linear_2025", n), |b| {
            b.iter(|| {
                black_box(
                    campaigns::campaigns(
                        &loaded.tables,
                        &snap,
                        Attribution::Linear,
                        &config.campaigns,
                        None,
                    )
                    .expect("campaigns"),
                )
            })
        });
        group.bench_function(BenchmarkId::new("reactivation_2025", n), |b| {
            b.iter(|| {
                black_box(
                    reactivation::reactivation(
                        &loaded.tables,
                        &snap,
                        &roster,
                        &config.reactivation,
                        None,
                    )
                    .expect("reactivation"),
                )
            })
        });
        group.bench_function(BenchmarkId::new("clv_2025", n), |b| {
            b.iter(|| {
                black_box(
                    crmstat::metrics::clv::clv(
                        &loaded.tables,
                        &snap,
                        &config.clv,
                        config.reactivation.purchases,
                    )
                    .expect("clv"),
                )
            })
        });
        group.bench_function(BenchmarkId::new("retention_2025", n), |b| {
            b.iter(|| {
                black_box(
                    crmstat::metrics::retention::retention(
                        &loaded.tables,
                        &snap,
                        crmstat::metrics::retention::Grain::Month,
                        config.reactivation.purchases,
                    )
                    .expect("retention"),
                )
            })
        });
        group.bench_function(BenchmarkId::new("generate", n), |b| {
            b.iter(|| black_box(crmstat::generate::generate(n, 42).expect("generate")))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // Criterion's own charts are off: the figures are in the terminal output.
    config = Criterion::default().without_plots();
    targets = pipeline
}
criterion_main!(benches);
