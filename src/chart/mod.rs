//! Charts: metrics are turned into plain chart descriptions here, and each description is
//! drawn by code generic over plotters' `DrawingBackend`, so SVG and PNG share one path.
//! PNG text uses the bundled Liberation Sans (SIL OFL 1.1, `assets/fonts/`), so Cyrillic
//! stage names render without any system font.

mod campaigns;
mod cycle;
mod forecast;
mod funnel;
mod losses;
mod managers;
pub mod retention;
mod survival;
mod trends;

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use polars::prelude::*;
use rayon::prelude::*;

use crate::error::{Error, PolarsContext, Result};
use crate::i18n::{Lang, pick, tr};
use crate::metrics::floats;
use crate::metrics::managers::ManagerGroup;
use crate::metrics::survival::KaplanMeier;

/// Font family name used by every chart.
pub const FONT: &str = "sans-serif";
const REGULAR: &[u8] = include_bytes!("../../assets/fonts/LiberationSans-Regular.ttf");
const BOLD: &[u8] = include_bytes!("../../assets/fonts/LiberationSans-Bold.ttf");

fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // A font that fails to load leaves text out of PNGs; SVG text is unaffected.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, REGULAR);
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, BOLD);
    });
}

/// A chart: what it shows and the language of its texts.
#[derive(Debug, Clone)]
pub struct Chart {
    pub kind: Kind,
    pub lang: Lang,
}

/// What a chart shows, described by its data only.
#[derive(Debug, Clone)]
pub enum Kind {
    /// A bar per stage: deals reached, with step conversion to the next stage.
    Funnel {
        title: String,
        stages: Vec<String>,
        reached: Vec<i64>,
        step: Vec<Option<f64>>,
    },
    /// Lost deals per stage (count and amount) and the most frequent reasons.
    Losses {
        title: String,
        stages: Vec<String>,
        lost: Vec<i64>,
        /// `None` where no lost amount is recorded.
        amount: Vec<Option<f64>>,
        reasons: Vec<(String, i64)>,
        currency: String,
    },
    /// Cycle length of won against lost deals.
    Cycle {
        title: String,
        won: Vec<f64>,
        lost: Vec<f64>,
    },
    /// Managers by won amount, with their win rate.
    Leaderboard {
        title: String,
        names: Vec<String>,
        won_amount: Vec<f64>,
        win_rate: Vec<Option<f64>>,
        avg_rate: Option<f64>,
        currency: String,
    },
    /// Each manager's KPIs coloured by their z-score against the company average.
    Deviations {
        title: String,
        rows: Vec<String>,
        kpis: Vec<String>,
        /// The KPIs' names as the reader sees them.
        labels: Vec<String>,
        values: Vec<Vec<Option<f64>>>,
        z: Vec<Vec<Option<f64>>>,
        lower_is_better: Vec<bool>,
    },
    /// Conversion per campaign with its Wilson interval.
    CampaignConversion {
        title: String,
        names: Vec<String>,
        rate: Vec<Option<f64>>,
        low: Vec<Option<f64>>,
        high: Vec<Option<f64>>,
        verdict: Vec<i8>,
        overall: Option<f64>,
    },
    /// ROMI against the cost of each campaign.
    CampaignRomi {
        title: String,
        names: Vec<String>,
        cost: Vec<f64>,
        romi: Vec<f64>,
        currency: String,
    },
    /// The last months: won amount, deals created and win rate per month.
    Trends {
        title: String,
        months: Vec<String>,
        won_amount: Vec<f64>,
        created: Vec<i64>,
        win_rate: Vec<Option<f64>>,
        currency: String,
    },
    /// Cohort retention as a heatmap.
    Retention(retention::Heatmap),
    /// The pipeline waterfall of a window.
    Waterfall(forecast::Waterfall),
    /// The forecast's backtest: forecast against won, by month.
    Backtest(forecast::Backtest),
    /// Plan attainment per manager against the time elapsed.
    Pacing(forecast::Pacing),
    /// Kaplan–Meier share still open, with its 95% band.
    Survival {
        title: String,
        /// (days, survival, ci_low, ci_high)
        steps: Vec<(f64, f64, f64, f64)>,
        median: Option<i64>,
    },
}

impl Chart {
    /// The file stem of the chart.
    pub fn name(&self) -> &'static str {
        match &self.kind {
            Kind::Funnel { .. } => "funnel_chart",
            Kind::Losses { .. } => "losses_chart",
            Kind::Cycle { .. } => "cycle_histogram",
            Kind::Survival { .. } => "time_to_close_chart",
            Kind::Leaderboard { .. } => "managers_leaderboard",
            Kind::Deviations { .. } => "managers_deviations",
            Kind::CampaignConversion { .. } => "campaigns_conversion",
            Kind::CampaignRomi { .. } => "campaigns_romi",
            Kind::Trends { .. } => "trends_12_months",
            Kind::Retention(_) => "retention_heatmap",
            Kind::Waterfall(_) => "pipeline_waterfall_chart",
            Kind::Backtest(_) => "forecast_backtest_chart",
            Kind::Pacing(_) => "pacing_chart",
        }
    }

    /// Whether the chart has nothing to draw (a campaign chart with no campaign).
    pub fn is_empty(&self) -> bool {
        match &self.kind {
            Kind::CampaignConversion { names, .. } | Kind::CampaignRomi { names, .. } => {
                names.is_empty()
            }
            Kind::Retention(h) => h.cohorts.is_empty(),
            Kind::Backtest(b) => b.months.is_empty(),
            Kind::Pacing(p) => p.names.is_empty(),
            _ => false,
        }
    }

    fn size(&self) -> (u32, u32) {
        match &self.kind {
            Kind::Losses { .. } => (1100, 820),
            Kind::Trends { .. } => (1100, 900),
            Kind::Waterfall(_) | Kind::Backtest(_) => (1100, 600),
            Kind::Pacing(p) => (1100, (150 + 36 * p.names.len() as u32).max(360)),
            Kind::Leaderboard { names, .. } => (1200, (160 + 34 * names.len() as u32).max(420)),
            Kind::Deviations { rows, kpis, .. } => (
                (managers::NAME_W as u32 + 20 + 78 * kpis.len() as u32).max(900),
                (managers::HEAD_H + 40 + managers::CELL_H * rows.len() as i32).max(300) as u32,
            ),
            Kind::CampaignConversion { names, .. } => {
                (1100, (150 + 40 * names.len() as u32).max(400))
            }
            Kind::Retention(h) => h.size(),
            _ => (1000, 600),
        }
    }

    /// The pipeline_waterfall table (bucket, deals, amount) as a chart.
    pub fn waterfall(frame: &DataFrame, window: &str, currency: &str, lang: Lang) -> Result<Chart> {
        let buckets = strings(frame, "bucket")?;
        let amounts = money_units(frame, "amount")?;
        let kind = Kind::Waterfall(forecast::Waterfall {
            title: pick(
                lang,
                format!("Pipeline of {window}: from the start to the end (green in, red out)"),
                format!("Воронка {window}: от начала к концу (зелёным — пришло, красным — ушло)"),
            ),
            labels: buckets
                .iter()
                .map(|b| tr(lang, &b.replace('_', " ")))
                .collect(),
            steps: buckets.iter().map(|b| forecast::step_of(b)).collect(),
            amounts,
            currency: currency_label(currency),
        });
        Ok(Chart { kind, lang })
    }

    /// The managers' rows of the pacing table (manager_id, attainment, elapsed_share) as a
    /// chart; managers without a plan are left out.
    pub fn pacing(frame: &DataFrame, period: &str, as_of: &str, lang: Lang) -> Result<Chart> {
        let levels = strings(frame, "level")?;
        let ids = strings(frame, "manager_id")?;
        let attainment = floats(frame, "attainment")?;
        let elapsed = floats(frame, "elapsed_share")?
            .first()
            .copied()
            .flatten()
            .unwrap_or(1.0);
        let keep: Vec<usize> = (0..frame.height())
            .filter(|i| levels[*i] == "manager" && attainment[*i].is_some())
            .collect();
        let kind = Kind::Pacing(forecast::Pacing {
            title: pick(
                lang,
                format!("Plan attainment, {period}, as of {as_of}"),
                format!("Выполнение плана, {period}, на {as_of}"),
            ),
            names: keep.iter().map(|i| ids[*i].clone()).collect(),
            attainment: keep.iter().map(|i| attainment[*i].unwrap_or(0.0)).collect(),
            elapsed,
        });
        Ok(Chart { kind, lang })
    }

    /// The forecast_backtest table (month, forecast, actual) as a chart.
    pub fn backtest(frame: &DataFrame, currency: &str, lang: Lang) -> Result<Chart> {
        let kind = Kind::Backtest(forecast::Backtest {
            title: pick(
                lang,
                "Forecast made at each month's start (line) against what was won (bars)"
                    .to_string(),
                "Прогноз на начало каждого месяца (линия) и выигранное (столбцы)".to_string(),
            ),
            months: strings(frame, "month")?,
            forecast: money_units(frame, "forecast")?,
            actual: money_units(frame, "actual")?,
            currency: currency_label(currency),
        });
        Ok(Chart { kind, lang })
    }

    /// Describe the funnel table (stage, reached, step_conversion) as a chart.
    pub fn funnel(frame: &DataFrame, period: &str, lang: Lang) -> Result<Chart> {
        let kind = Kind::Funnel {
            title: pick(
                lang,
                format!("Funnel, {period}: deals that reached each stage"),
                format!("Воронка, {period}: сделки, дошедшие до каждого этапа"),
            ),
            stages: strings(frame, "stage")?,
            reached: ints(frame, "reached")?,
            step: floats(frame, "step_conversion")?,
        };
        Ok(Chart { kind, lang })
    }

    /// Describe the losses and loss_reasons tables as a chart.
    pub fn losses(
        losses: &DataFrame,
        reasons: &DataFrame,
        period: &str,
        currency: &str,
        lang: Lang,
    ) -> Result<Chart> {
        let amount = losses
            .column("lost_amount")
            .ctx("lost_amount")?
            .cast(&DataType::Float64)
            .ctx("lost_amount")?;
        let amount: Vec<Option<f64>> = amount.f64().ctx("lost_amount")?.iter().collect();
        let by_reason = reasons
            .clone()
            .lazy()
            .group_by([col("reason")])
            .agg([col("lost").sum()])
            .sort_by_exprs(
                [col("lost"), col("reason")],
                SortMultipleOptions::default().with_order_descending_multi([true, false]),
            )
            .limit(8)
            .collect()
            .ctx("top reasons")?;
        let reasons = strings(&by_reason, "reason")?
            .into_iter()
            .zip(ints(&by_reason, "lost")?)
            .collect();
        let kind = Kind::Losses {
            title: pick(
                lang,
                format!("Losses by stage, {period}"),
                format!("Потери по этапам, {period}"),
            ),
            stages: strings(losses, "stage")?,
            lost: ints(losses, "lost")?,
            amount,
            reasons,
            currency: currency_label(currency),
        };
        Ok(Chart { kind, lang })
    }

    /// The cycle histogram of deals closed in the period.
    pub fn cycle_histogram(won: &[f64], lost: &[f64], period: &str, lang: Lang) -> Chart {
        let kind = Kind::Cycle {
            title: pick(
                lang,
                format!("Cycle of deals closed in {period}: won vs lost"),
                format!("Цикл сделок, закрытых в {period}: выигранные и проигранные"),
            ),
            won: won.to_vec(),
            lost: lost.to_vec(),
        };
        Chart { kind, lang }
    }

    /// The Kaplan–Meier curve with its band.
    pub fn survival(km: &KaplanMeier, period: &str, lang: Lang) -> Chart {
        let kind = Kind::Survival {
            title: pick(
                lang,
                format!("Time to close, deals created in {period} (open deals censored)"),
                format!("Время до закрытия сделок, созданных в {period} (открытые цензурированы)"),
            ),
            steps: km
                .steps
                .iter()
                .map(|s| (s.days as f64, s.survival, s.ci_low, s.ci_high))
                .collect(),
            median: km.median_days,
        };
        Chart { kind, lang }
    }

    /// The leaderboard from the managers table (its last row, the company average, gives
    /// the average win rate): best won amount first.
    pub fn leaderboard(
        managers: &DataFrame,
        group: ManagerGroup,
        period: &str,
        currency: &str,
        lang: Lang,
    ) -> Result<Chart> {
        let n = managers.height().saturating_sub(1);
        let rows = managers.head(Some(n));
        let labels = row_labels(&rows, group, lang)?;
        let amount = floats(&rows, "won_amount")?;
        let rate = floats(&rows, "win_rate")?;
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|a, b| {
            let (x, y) = (amount[*a].unwrap_or(0.0), amount[*b].unwrap_or(0.0));
            y.total_cmp(&x).then(labels[*a].cmp(&labels[*b]))
        });
        let avg = floats(managers, "win_rate")?.last().copied().flatten();
        let who = match group {
            ManagerGroup::Manager => "Managers",
            ManagerGroup::Team => "Teams",
        };
        let kind = Kind::Leaderboard {
            title: format!(
                "{}, {period}: {}",
                tr(lang, who),
                tr(lang, "won amount and win rate")
            ),
            names: order.iter().map(|i| labels[*i].clone()).collect(),
            won_amount: order.iter().map(|i| amount[*i].unwrap_or(0.0)).collect(),
            win_rate: order.iter().map(|i| rate[*i]).collect(),
            avg_rate: avg,
            currency: currency_label(currency),
        };
        Ok(Chart { kind, lang })
    }

    /// The deviation grid from the managers table and the long deviations table.
    pub fn deviations(
        managers: &DataFrame,
        deviations: &DataFrame,
        group: ManagerGroup,
        period: &str,
        lang: Lang,
    ) -> Result<Chart> {
        const SHOWN: &[(&str, bool)] = &[
            ("open_deals", false),
            ("clients_in_work", false),
            ("deals_created", false),
            ("deals_won", false),
            ("win_rate", false),
            ("won_amount", false),
            ("paid_amount", false),
            ("avg_won_amount", false),
            ("mean_cycle_days", true),
            ("contacts", false),
            ("followup_compliance", false),
            ("overdue_tasks", true),
            ("avg_discount_pct", true),
            ("plan_attainment", false),
        ];
        let n = managers.height().saturating_sub(1);
        let rows = managers.head(Some(n));
        let labels = row_labels(&rows, group, lang)?;
        let kpi_of = strings(deviations, "kpi")?;
        let value = floats(deviations, "value")?;
        let z = floats(deviations, "z_score")?;
        // Rows of the deviations table come KPI by KPI, managers in the managers' order.
        let mut kpis = Vec::new();
        let (mut vals, mut zs) = (vec![Vec::new(); n], vec![Vec::new(); n]);
        let mut lower = Vec::new();
        for (kpi, low) in SHOWN {
            let at: Vec<usize> = (0..kpi_of.len()).filter(|i| kpi_of[*i] == *kpi).collect();
            if at.len() != n || at.iter().all(|i| value[*i].is_none()) {
                continue;
            }
            kpis.push(kpi.to_string());
            lower.push(*low);
            for (r, i) in at.iter().enumerate() {
                vals[r].push(value[*i]);
                zs[r].push(z[*i]);
            }
        }
        let kind = Kind::Deviations {
            title: format!("{}, {period}", tr(lang, "KPIs against the company average")),
            rows: labels,
            labels: kpis
                .iter()
                .map(|k| crate::i18n::kpi_label(k, lang))
                .collect(),
            kpis,
            values: vals,
            z: zs,
            lower_is_better: lower,
        };
        Ok(Chart { kind, lang })
    }

    /// Conversion per campaign from the campaigns table (rows with deals only).
    pub fn campaign_conversion(campaigns: &DataFrame, period: &str, lang: Lang) -> Result<Chart> {
        let names = strings(campaigns, "name")?;
        let deals = floats(campaigns, "deals")?;
        let rate = floats(campaigns, "conversion")?;
        let (low, high) = (
            floats(campaigns, "conversion_ci_low")?,
            floats(campaigns, "conversion_ci_high")?,
        );
        let verdict = strings(campaigns, "verdict")?;
        let won = floats(campaigns, "won")?;
        let keep: Vec<usize> = (0..campaigns.height())
            .filter(|i| deals[*i].unwrap_or(0.0) > 0.0)
            .collect();
        let total: f64 = keep.iter().map(|i| deals[*i].unwrap_or(0.0)).sum();
        let total_won: f64 = keep.iter().map(|i| won[*i].unwrap_or(0.0)).sum();
        let count = |v: f64| {
            if v.fract() == 0.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.1}")
            }
        };
        let kind = Kind::CampaignConversion {
            title: format!(
                "{}, {period} ({})",
                tr(lang, "Conversion by campaign"),
                tr(lang, "deals created in the period")
            ),
            names: keep
                .iter()
                .map(|i| {
                    let n = count(deals[*i].unwrap_or(0.0));
                    pick(
                        lang,
                        format!("{} ({n} deals)", names[*i]),
                        format!("{} ({n} сд.)", tr(lang, &names[*i])),
                    )
                })
                .collect(),
            rate: keep.iter().map(|i| rate[*i]).collect(),
            low: keep.iter().map(|i| low[*i]).collect(),
            high: keep.iter().map(|i| high[*i]).collect(),
            verdict: keep
                .iter()
                .map(|i| match verdict[*i].as_str() {
                    "better than the rest" => 1,
                    "worse than the rest" => -1,
                    _ => 0,
                })
                .collect(),
            overall: (total > 0.0).then(|| total_won / total),
        };
        Ok(Chart { kind, lang })
    }

    /// ROMI against spend from the campaigns table (campaigns with a cost and a ROMI).
    pub fn campaign_romi(
        campaigns: &DataFrame,
        period: &str,
        currency: &str,
        lang: Lang,
    ) -> Result<Chart> {
        let names = strings(campaigns, "name")?;
        let cost = floats(campaigns, "cost")?;
        let romi = floats(campaigns, "romi")?;
        let keep: Vec<usize> = (0..campaigns.height())
            .filter(|i| cost[*i].is_some_and(|c| c > 0.0) && romi[*i].is_some())
            .collect();
        let kind = Kind::CampaignRomi {
            title: format!(
                "{}, {period}",
                tr(lang, "Return on marketing investment against spend")
            ),
            names: keep.iter().map(|i| tr(lang, &names[*i])).collect(),
            cost: keep.iter().map(|i| cost[*i].unwrap_or(0.0)).collect(),
            romi: keep.iter().map(|i| romi[*i].unwrap_or(0.0)).collect(),
            currency: currency_label(currency),
        };
        Ok(Chart { kind, lang })
    }

    /// The monthly trends table (month, deals_created, won_amount, win_rate) as a chart.
    pub fn trends(frame: &DataFrame, currency: &str, lang: Lang) -> Result<Chart> {
        let months = strings(frame, "month")?;
        let title = match (months.first(), months.last()) {
            (Some(a), Some(b)) => format!("{}: {a} – {b}", tr(lang, "The last 12 months")),
            _ => tr(lang, "The last 12 months"),
        };
        let kind = Kind::Trends {
            title,
            months,
            won_amount: floats(frame, "won_amount")?
                .into_iter()
                .map(|v| v.unwrap_or(0.0))
                .collect(),
            created: ints(frame, "deals_created")?,
            win_rate: floats(frame, "win_rate")?,
            currency: currency_label(currency),
        };
        Ok(Chart { kind, lang })
    }

    /// Draw on any plotters backend.
    pub fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        match &self.kind {
            Kind::Retention(h) => retention::draw(root, h, self.lang),
            Kind::Waterfall(w) => forecast::waterfall(root, w, self.lang),
            Kind::Backtest(b) => forecast::backtest(root, b, self.lang),
            Kind::Pacing(p) => forecast::pacing(root, p, self.lang),
            Kind::Funnel {
                title,
                stages,
                reached,
                step,
            } => funnel::draw(root, title, stages, reached, step, self.lang),
            Kind::Losses {
                title,
                stages,
                lost,
                amount,
                reasons,
                currency,
            } => losses::draw(
                root,
                &losses::Spec {
                    title,
                    stages,
                    lost,
                    amount,
                    reasons,
                    currency,
                },
                self.lang,
            ),
            Kind::Cycle { title, won, lost } => cycle::draw(root, title, won, lost, self.lang),
            Kind::Survival {
                title,
                steps,
                median,
            } => survival::draw(root, title, steps, *median, self.lang),
            Kind::Leaderboard {
                title,
                names,
                won_amount,
                win_rate,
                avg_rate,
                currency,
            } => managers::leaderboard(
                root,
                &managers::Board {
                    title,
                    names,
                    won_amount,
                    win_rate,
                    avg_rate: *avg_rate,
                    currency,
                },
                self.lang,
            ),
            Kind::Deviations {
                title,
                rows,
                kpis,
                labels,
                values,
                z,
                lower_is_better,
            } => managers::grid(
                root,
                &managers::Grid {
                    title,
                    rows,
                    kpis,
                    labels,
                    values,
                    z,
                    lower_is_better,
                },
                self.lang,
            ),
            Kind::CampaignConversion {
                title,
                names,
                rate,
                low,
                high,
                verdict,
                overall,
            } => campaigns::conversion(
                root,
                &campaigns::Conversion {
                    title,
                    names,
                    rate,
                    low,
                    high,
                    verdict,
                    overall: *overall,
                },
                self.lang,
            ),
            Kind::CampaignRomi {
                title,
                names,
                cost,
                romi,
                currency,
            } => campaigns::romi(
                root,
                &campaigns::Romi {
                    title,
                    names,
                    cost,
                    romi,
                    currency,
                },
                self.lang,
            ),
            Kind::Trends {
                title,
                months,
                won_amount,
                created,
                win_rate,
                currency,
            } => trends::draw(
                root,
                &trends::Trends {
                    title,
                    months,
                    won_amount,
                    created,
                    win_rate,
                    currency,
                },
                self.lang,
            ),
        }?;
        root.present().map_err(|e| e.to_string())
    }

    /// Write `<name>.svg` and `<name>.png` into `dir`.
    pub fn render(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        Ok(self.render_with_svg(dir)?.0)
    }

    /// Write `<name>.svg` and `<name>.png` into `dir`; also gives the SVG markup, for a page
    /// that inlines it.
    pub fn render_with_svg(&self, dir: &Path) -> Result<(Vec<PathBuf>, String)> {
        register_fonts();
        let svg_path = dir.join(format!("{}.svg", self.name()));
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, self.size()).into_drawing_area();
            self.draw(&root).map_err(|message| Error::Chart {
                path: svg_path.clone(),
                message,
            })?;
        }
        crate::output::write_atomic(&svg_path, |out| {
            out.write_all(svg.as_bytes())
                .map_err(|e| Error::io(&svg_path, "cannot write", e))
        })?;
        let png_path = dir.join(format!("{}.png", self.name()));
        let png = rasterize(&svg).map_err(|message| Error::Chart {
            path: png_path.clone(),
            message,
        })?;
        crate::output::write_atomic(&png_path, |out| {
            out.write_all(&png)
                .map_err(|e| Error::io(&png_path, "cannot write", e))
        })?;
        Ok((vec![svg_path, png_path], svg))
    }
}

/// The fonts the PNG renderer knows: the bundled Liberation Sans as `sans-serif`.
fn svg_options() -> &'static resvg::usvg::Options<'static> {
    static OPTIONS: std::sync::OnceLock<resvg::usvg::Options<'static>> = std::sync::OnceLock::new();
    OPTIONS.get_or_init(|| {
        let mut options = resvg::usvg::Options::default();
        let fonts = options.fontdb_mut();
        fonts.load_font_data(REGULAR.to_vec());
        fonts.load_font_data(BOLD.to_vec());
        fonts.set_sans_serif_family("Liberation Sans");
        options
    })
}

/// A chart's SVG drawn as PNG pixels: the PNG is the SVG rasterized, so both carry the same
/// text, placed and shaped the same way (plotters' own bitmap text lost thin glyphs such as
/// `,` `.` `:` at 13–14 px and set dots a pixel high).
pub fn rasterize(svg: &str) -> std::result::Result<Vec<u8>, String> {
    let tree = resvg::usvg::Tree::from_str(svg, svg_options()).map_err(|e| e.to_string())?;
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| "the chart has no area".to_string())?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::default(),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| e.to_string())
}

/// The characters of `text` the bundled font has no glyph for (a PNG would draw nothing, or
/// an empty box, for them).
pub fn missing_glyphs(text: &str) -> Vec<char> {
    let font = svg_options();
    let Some(id) = font.fontdb.query(&resvg::usvg::fontdb::Query {
        families: &[resvg::usvg::fontdb::Family::SansSerif],
        ..Default::default()
    }) else {
        return text.chars().filter(|c| !c.is_whitespace()).collect();
    };
    font.fontdb
        .with_face_data(id, |data, index| {
            let Ok(face) = ttf_parser::Face::parse(data, index) else {
                return text.chars().collect();
            };
            text.chars()
                .filter(|c| !c.is_whitespace() && face.glyph_index(*c).is_none())
                .collect()
        })
        .unwrap_or_default()
}

/// Render charts in parallel; returns every file written.
pub fn render_all(charts: &[Chart], dir: &Path) -> Result<Vec<PathBuf>> {
    register_fonts();
    let files: Vec<Vec<PathBuf>> = charts
        .par_iter()
        .map(|c| c.render(dir))
        .collect::<Result<_>>()?;
    Ok(files.into_iter().flatten().collect())
}

/// The currency as charts write it: the bundled font has no ₽, ₸ or ₴ (a PNG would show an
/// empty box), so those are written as their codes.
fn currency_label(currency: &str) -> String {
    match currency {
        "₽" => "RUB".into(),
        "₸" => "KZT".into(),
        "₴" => "UAH".into(),
        other => other.to_string(),
    }
}

/// Row labels of a managers table: the name (or the id when there is none), or the team.
fn row_labels(frame: &DataFrame, group: ManagerGroup, lang: Lang) -> Result<Vec<String>> {
    Ok(match group {
        ManagerGroup::Manager => {
            let ids = strings(frame, "manager_id")?;
            let names = strings(frame, "name")?;
            let active = strings(frame, "active")?;
            ids.into_iter()
                .zip(names)
                .zip(active)
                .map(|((id, name), active)| {
                    let who = if name.is_empty() { id } else { name };
                    if active == "false" {
                        format!("{who} {}", tr(lang, "(left)"))
                    } else {
                        who
                    }
                })
                .collect()
        }
        ManagerGroup::Team => strings(frame, "team")?,
    })
}

fn strings(frame: &DataFrame, name: &str) -> Result<Vec<String>> {
    Ok(crate::metrics::texts(frame, name)?
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect())
}

fn ints(frame: &DataFrame, name: &str) -> Result<Vec<i64>> {
    Ok(floats(frame, name)?
        .into_iter()
        .map(|v| v.map_or(0, |v| v as i64))
        .collect())
}

/// The series legend every chart with more than one series uses (upper right).
pub fn legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font((FONT, 16))
        .position(SeriesLabelPosition::UpperRight)
        .draw()
}

/// Thousands with thin spaces: 12345 → "12 345".
/// A money column in currency units (0 where empty), for drawing.
fn money_units(frame: &DataFrame, name: &str) -> Result<Vec<f64>> {
    let c = frame
        .column(name)
        .map_err(|e| crate::error::Error::Usage(format!("{name}: {e}")))?;
    Ok(crate::money::minor_units(c)?
        .into_iter()
        .map(|m| m.unwrap_or(0) as f64 / 100.0)
        .collect())
}

pub fn grouped(n: f64) -> String {
    let s = format!("{:.0}", n.abs());
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    if n < 0.0 { format!("-{out}") } else { out }
}

/// Axis ticks in short form: 1 500 000 → "1.5M", 20 000 → "20k".
pub fn compact(n: f64) -> String {
    let a = n.abs();
    let (v, unit) = if a >= 1e9 {
        (n / 1e9, "G")
    } else if a >= 1e6 {
        (n / 1e6, "M")
    } else if a >= 1e4 {
        (n / 1e3, "k")
    } else {
        (n, "")
    };
    let text = format!("{v:.1}");
    format!("{}{unit}", text.trim_end_matches(".0"))
}

/// Shorten a label to `max` characters with an ellipsis.
pub fn short(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_string()
    } else {
        let s: String = label.chars().take(max - 1).collect();
        format!("{s}…")
    }
}

/// The label of a tick on a chart whose rows are drawn top to bottom, row i in
/// [n-1-i, n-i): a row's name at its middle, nothing elsewhere.
pub fn row_label(names: &[String], y: f64) -> String {
    let pos = names.len() as f64 - y - 0.5;
    let i = pos.round();
    if (pos - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < names.len() {
        names[i as usize].clone()
    } else {
        String::new()
    }
}

/// Colours shared by the charts.
pub mod palette {
    use plotters::style::RGBColor;
    pub const BLUE: RGBColor = RGBColor(52, 101, 164);
    pub const GREEN: RGBColor = RGBColor(78, 154, 6);
    pub const RED: RGBColor = RGBColor(204, 0, 0);
    pub const ORANGE: RGBColor = RGBColor(245, 121, 0);
    pub const GREY: RGBColor = RGBColor(120, 120, 120);
}

/// A horizontal bar chart: one bar per label, first label on top, each bar with a text.
pub struct Bars<'a> {
    pub caption: &'a str,
    pub caption_size: u32,
    /// Axis description, with its unit.
    pub unit: &'a str,
    pub labels: &'a [String],
    pub values: &'a [f64],
    /// The text beside each bar (default: the value with thousands grouped).
    pub texts: Option<Vec<String>>,
    pub color: RGBColor,
    /// Labels longer than this are cut with an ellipsis.
    pub label_chars: usize,
    pub text_size: u32,
}

/// Draw [`Bars`] into an area.
pub fn bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    b: &Bars,
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let n = b.labels.len().max(1);
    let max = b.values.iter().copied().fold(0.0, f64::max).max(1.0);
    let names: Vec<String> = b.labels.iter().map(|s| short(s, b.label_chars)).collect();
    let mut chart = ChartBuilder::on(area)
        .caption(b.caption, (FONT, b.caption_size))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size((b.label_chars as u32) * (b.text_size / 2 + 1) + 10)
        .build_cartesian_2d(0.0..max * 1.3, 0.0..n as f64)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .disable_y_mesh()
        .y_labels(n * 2 + 1)
        .y_label_formatter(&|y| row_label(&names, *y))
        .x_labels(6)
        .x_label_formatter(&|x| compact(*x))
        .x_desc(b.unit)
        .label_style((FONT, b.text_size))
        .axis_desc_style((FONT, b.text_size))
        .draw()?;
    for (i, v) in b.values.iter().enumerate() {
        let top = n as f64 - i as f64;
        let bar = Rectangle::new([(0.0, top - 0.15), (*v, top - 0.85)], b.color.filled());
        chart.draw_series(std::iter::once(bar))?;
        let text = b
            .texts
            .as_ref()
            .and_then(|t| t.get(i).cloned())
            .unwrap_or_else(|| grouped(*v));
        let style = (FONT, b.text_size).into_font().color(&BLACK);
        chart.draw_series(std::iter::once(Text::new(
            text,
            (*v + max * 0.01, top - 0.42),
            style,
        )))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currency_glyphs_the_font_lacks_become_codes() {
        assert_eq!(currency_label("₽"), "RUB");
        assert_eq!(currency_label("$"), "$");
        assert_eq!(currency_label("RUB"), "RUB");
    }
}
