use polars::prelude::*;
use std::sync::{Arc, Mutex};
use std::time::Instant;
fn main() -> PolarsResult<()> {
    let path = std::env::args().nth(1).unwrap();
    let names = [
        "contact_id",
        "client_id",
        "manager_id",
        "deal_id",
        "campaign_id",
        "at",
        "channel",
        "kind",
        "direction",
        "due_at",
        "done_at",
        "outcome",
    ];
    let schema: Schema = names
        .iter()
        .map(|n| Field::new((*n).into(), DataType::String))
        .collect();
    let scan = || {
        LazyCsvReader::new(PlRefPath::new(path.as_str()))
            .with_has_header(true)
            .with_schema(Some(Arc::new(schema.clone())))
            .finish()
            .unwrap()
    };
    let t = Instant::now();
    let df = scan().collect()?;
    println!("in-memory all text: {:?} rows {}", t.elapsed(), df.height());
    drop(df);
    let t = Instant::now();
    let df = scan()
        .select([col("client_id"), col("at"), col("due_at"), col("done_at")])
        .collect()?;
    println!("in-memory 4 cols: {:?} rows {}", t.elapsed(), df.height());
    drop(df);
    let t = Instant::now();
    let n = Arc::new(Mutex::new(0usize));
    let n2 = n.clone();
    let lf = scan()
        .with_row_index("__row", None)
        .select([
            col("__row"),
            col("client_id"),
            col("at"),
            col("due_at"),
            col("done_at"),
        ])
        .sink_batches(
            PlanCallback::new(move |df: DataFrame| {
                *n2.lock().unwrap() += df.height();
                Ok(false)
            }),
            true,
            None,
        )?;
    lf.collect_with_engine(Engine::Streaming)?;
    println!(
        "streaming callback 4 cols + row index: {:?} rows {}",
        t.elapsed(),
        n.lock().unwrap()
    );
    let t = Instant::now();
    let opts = StrptimeOptions {
        format: Some("%Y-%m-%d %H:%M:%S".into()),
        strict: false,
        exact: true,
        cache: false,
    };
    let df = scan()
        .select([
            col("at").str().to_datetime(
                Some(TimeUnit::Milliseconds),
                None,
                opts.clone(),
                lit("raise"),
            ),
            col("due_at").str().to_datetime(
                Some(TimeUnit::Milliseconds),
                None,
                opts.clone(),
                lit("raise"),
            ),
            col("done_at").str().to_datetime(
                Some(TimeUnit::Milliseconds),
                None,
                opts,
                lit("raise"),
            ),
        ])
        .collect()?;
    println!(
        "in-memory 3 datetimes via strptime: {:?} rows {} nulls {}",
        t.elapsed(),
        df.height(),
        df.column("at")?.null_count()
    );
    let t = Instant::now();
    let df = scan()
        .select([col("at").map(
            |c| {
                let s = c.str()?;
                let out: Int64Chunked = s
                    .iter()
                    .map(|v| {
                        v.and_then(|v| crmstat::input::values::parse_datetime(v, &[]))
                            .map(|d| d.and_utc().timestamp_millis())
                    })
                    .collect();
                Ok(out
                    .into_datetime(TimeUnit::Milliseconds, None)
                    .into_column())
            },
            |_, f| {
                Ok(Field::new(
                    f.name().clone(),
                    DataType::Datetime(TimeUnit::Milliseconds, None),
                ))
            },
        )])
        .collect()?;
    println!(
        "in-memory 1 datetime via rust map: {:?} rows {}",
        t.elapsed(),
        df.height()
    );
    Ok(())
}
