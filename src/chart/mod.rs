//! Charts: metrics are turned into plain chart descriptions here, and each description is
//! drawn by code generic over plotters' `DrawingBackend`, so SVG and PNG share one path.
//! PNG text uses the bundled Liberation Sans (SIL OFL 1.1, `assets/fonts/`), so Cyrillic
//! stage names render without any system font.
//!
//! One file per family of charts: its description (the spec a [`Kind`] holds), the
//! constructor that reads it from a figure's table (`Chart::funnel`, …) and its drawing.
//! `parts` holds what several families draw with (bars, legend, number labels, colours),
//! `read` how a chart takes columns out of a table.

mod campaigns;
mod cycle;
mod forecast;
mod funnel;
mod losses;
mod managers;
mod parts;
mod read;
pub mod retention;
mod survival;
mod trends;

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::i18n::Lang;

pub use parts::{Bars, bars, compact, grouped, legend, palette, row_label, short};

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

/// The most rows a per-manager chart draws. A company of 2,000 managers drew a 70,000-pixel
/// chart nobody can read (and spent 10 s of a 1M-deal report on it); past this many the chart
/// picks the rows that matter (its title says which and how many) and the table keeps all.
pub const MAX_ROWS: usize = 30;

/// The title of a chart that shows `shown` of `total` rows, saying how they were picked
/// (`why_en`/`why_ru`, e.g. "by won amount"); the plain title when nothing was left out.
pub fn capped_title(
    title: String,
    shown: usize,
    total: usize,
    lang: Lang,
    why_en: &str,
    why_ru: &str,
) -> String {
    if shown >= total {
        return title;
    }
    crate::i18n::pick(
        lang,
        format!("{title} ({shown} of {total} {why_en})"),
        format!("{title} ({shown} из {total} {why_ru})"),
    )
}

/// The indices of at most [`MAX_ROWS`] rows with the largest `score`, in their own order
/// (ties: the earlier row).
pub fn top_rows(score: &[f64]) -> Vec<usize> {
    let mut by: Vec<usize> = (0..score.len()).collect();
    by.sort_by(|a, b| score[*b].total_cmp(&score[*a]).then(a.cmp(b)));
    by.truncate(MAX_ROWS);
    by.sort_unstable();
    by
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
    Funnel(funnel::Funnel),
    /// Lost deals per stage (count and amount) and the most frequent reasons.
    Losses(losses::Losses),
    /// Cycle length of won against lost deals.
    Cycle(cycle::Cycle),
    /// Managers by won amount, with their win rate.
    Leaderboard(managers::Board),
    /// Each manager's KPIs coloured by their z-score against the company average.
    Deviations(managers::Grid),
    /// Conversion per campaign with its Wilson interval.
    CampaignConversion(campaigns::Conversion),
    /// ROMI against the cost of each campaign.
    CampaignRomi(campaigns::Romi),
    /// The last months: won amount, deals created and win rate per month.
    Trends(trends::Trends),
    /// Cohort retention as a heatmap.
    Retention(retention::Heatmap),
    /// The pipeline waterfall of a window.
    Waterfall(forecast::Waterfall),
    /// The forecast's backtest: forecast against won, by month.
    Backtest(forecast::Backtest),
    /// Plan attainment per manager against the time elapsed.
    Pacing(forecast::Pacing),
    /// Kaplan–Meier share still open, with its 95% band.
    Survival(survival::Survival),
}

impl Chart {
    /// The file stem of the chart.
    pub fn name(&self) -> &'static str {
        match &self.kind {
            Kind::Funnel(_) => "funnel_chart",
            Kind::Losses(_) => "losses_chart",
            Kind::Cycle(_) => "cycle_histogram",
            Kind::Survival(_) => "time_to_close_chart",
            Kind::Leaderboard(_) => "managers_leaderboard",
            Kind::Deviations(_) => "managers_deviations",
            Kind::CampaignConversion(_) => "campaigns_conversion",
            Kind::CampaignRomi(_) => "campaigns_romi",
            Kind::Trends(_) => "trends_12_months",
            Kind::Retention(_) => "retention_heatmap",
            Kind::Waterfall(_) => "pipeline_waterfall_chart",
            Kind::Backtest(_) => "forecast_backtest_chart",
            Kind::Pacing(_) => "pacing_chart",
        }
    }

    /// Whether the chart has nothing to draw (a campaign chart with no campaign).
    pub fn is_empty(&self) -> bool {
        match &self.kind {
            Kind::CampaignConversion(c) => c.names.is_empty(),
            Kind::CampaignRomi(r) => r.names.is_empty(),
            Kind::Retention(h) => h.cohorts.is_empty(),
            Kind::Backtest(b) => b.months.is_empty(),
            Kind::Pacing(p) => p.names.is_empty(),
            _ => false,
        }
    }

    fn size(&self) -> (u32, u32) {
        match &self.kind {
            Kind::Losses(_) => (1100, 820),
            Kind::Trends(_) => (1100, 900),
            Kind::Waterfall(_) | Kind::Backtest(_) => (1100, 600),
            Kind::Pacing(p) => (1100, (150 + 36 * p.names.len() as u32).max(360)),
            Kind::Leaderboard(b) => (1200, (160 + 34 * b.names.len() as u32).max(420)),
            Kind::Deviations(g) => (
                (managers::NAME_W as u32 + 20 + 78 * g.kpis.len() as u32).max(900),
                (managers::HEAD_H + 40 + managers::CELL_H * g.rows.len() as i32).max(300) as u32,
            ),
            Kind::CampaignConversion(c) => (1100, (150 + 40 * c.names.len() as u32).max(400)),
            Kind::Retention(h) => h.size(),
            _ => (1000, 600),
        }
    }

    /// Draw on any plotters backend.
    pub fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let lang = self.lang;
        match &self.kind {
            Kind::Funnel(f) => funnel::draw(root, f, lang),
            Kind::Losses(l) => losses::draw(root, l, lang),
            Kind::Cycle(c) => cycle::draw(root, c, lang),
            Kind::Survival(s) => survival::draw(root, s, lang),
            Kind::Leaderboard(b) => managers::leaderboard(root, b, lang),
            Kind::Deviations(g) => managers::grid(root, g, lang),
            Kind::CampaignConversion(c) => campaigns::conversion(root, c, lang),
            Kind::CampaignRomi(r) => campaigns::romi(root, r, lang),
            Kind::Trends(t) => trends::draw(root, t, lang),
            Kind::Retention(h) => retention::draw(root, h, lang),
            Kind::Waterfall(w) => forecast::waterfall(root, w, lang),
            Kind::Backtest(b) => forecast::backtest(root, b, lang),
            Kind::Pacing(p) => forecast::pacing(root, p, lang),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::managers::ManagerGroup;
    use crate::schema::names::MANAGER_ID;
    use polars::prelude::*;

    #[test]
    fn top_rows_keeps_the_largest_in_their_own_order() {
        // 40 rows scored 0..39 reversed: rows 0..29 score 39..10, the largest 30.
        let score: Vec<f64> = (0..40).map(|i| 39.0 - i as f64).collect();
        assert_eq!(top_rows(&score), (0..30).collect::<Vec<_>>());
        // A tie at the cut keeps the earlier row: rows 0..=30 all score 1, row 30 is out.
        let mut tied = vec![1.0; 31];
        tied.extend([0.0; 9]);
        assert_eq!(top_rows(&tied), (0..30).collect::<Vec<_>>());
        // Fewer rows than the cap: all of them.
        assert_eq!(top_rows(&[3.0, 1.0, 2.0]), vec![0, 1, 2]);
    }

    #[test]
    fn a_leaderboard_of_40_managers_shows_the_30_best_and_says_so() {
        // Manager i won 1000 × i; the last row is the company average (win rate 0.25).
        let n = 40;
        let mut ids: Vec<String> = (0..n).map(|i| format!("M{i:02}")).collect();
        ids.push(String::new());
        let mut won: Vec<f64> = (0..n).map(|i| 1000.0 * i as f64).collect();
        won.push(0.0);
        let mut rate: Vec<f64> = vec![0.5; n];
        rate.push(0.25);
        let frame = df!(
            MANAGER_ID => ids.clone(),
            "name" => ids,
            "active" => vec!["true"; n + 1],
            "won_amount" => won,
            "win_rate" => rate,
        )
        .unwrap();
        let chart =
            Chart::leaderboard(&frame, ManagerGroup::Manager, "2024-06", "RUB", Lang::En).unwrap();
        let Kind::Leaderboard(b) = chart.kind else {
            panic!("not a leaderboard")
        };
        let expected: Vec<String> = (10..40).rev().map(|i| format!("M{i:02}")).collect();
        assert_eq!(b.names, expected);
        assert_eq!(b.won_amount[0], 39_000.0);
        assert_eq!(b.avg_rate, Some(0.25));
        assert!(
            b.title.ends_with("(30 of 40 with the largest won amount)"),
            "{}",
            b.title
        );
        // 30 managers or fewer: the plain title.
        let small = frame.slice(10, 31);
        let chart =
            Chart::leaderboard(&small, ManagerGroup::Manager, "2024-06", "RUB", Lang::Ru).unwrap();
        let Kind::Leaderboard(b) = chart.kind else {
            panic!("not a leaderboard")
        };
        assert_eq!(b.names.len(), 30);
        assert!(!b.title.contains("из"), "{}", b.title);
    }

    #[test]
    fn a_pacing_chart_of_35_managers_shows_the_30_furthest_behind() {
        // Manager i attains i %; one team row and one manager without a plan are not drawn.
        let mut level = vec!["manager"; 35];
        let mut ids: Vec<String> = (0..35).map(|i| format!("M{i:02}")).collect();
        let mut att: Vec<Option<f64>> = (0..35).map(|i| Some(i as f64 / 100.0)).collect();
        att.reverse();
        ids.reverse();
        level.extend(["manager", "team"]);
        ids.extend(["M99".to_string(), "T".to_string()]);
        att.extend([None, Some(0.0)]);
        let frame = df!(
            "level" => level,
            MANAGER_ID => ids,
            "attainment" => att,
            "elapsed_share" => vec![0.5; 37],
        )
        .unwrap();
        let chart = Chart::pacing(&frame, "2024-06", "2024-06-15", Lang::En).unwrap();
        let Kind::Pacing(p) = chart.kind else {
            panic!("not a pacing chart")
        };
        // The table's order (34 % down to 0 %), managers 30..34 (the furthest ahead) left out.
        let expected: Vec<String> = (0..30).rev().map(|i| format!("M{i:02}")).collect();
        assert_eq!(p.names, expected);
        assert_eq!(p.attainment[0], 0.29);
        assert!(
            p.title.ends_with("(30 of 35 furthest behind the plan)"),
            "{}",
            p.title
        );
    }

    #[test]
    fn a_pacing_chart_labels_managers_by_name_where_known() {
        let frame = df!(
            "level" => ["manager", "manager"],
            MANAGER_ID => ["M1", "M2"],
            "name" => [Some("Анна"), None],
            "attainment" => [0.5, 1.2],
            "elapsed_share" => [0.5, 0.5],
        )
        .unwrap();
        let chart = Chart::pacing(&frame, "2024-06", "2024-06-15", Lang::En).unwrap();
        let Kind::Pacing(p) = chart.kind else {
            panic!("not a pacing chart")
        };
        assert_eq!(p.names, ["Анна", "M2"]);
    }
}
