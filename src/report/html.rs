//! The report page: a plain model (blocks of sentences, figure cards, inline SVG charts and
//! tables) and its rendering to one self-contained HTML file: CSS inline, charts inline as
//! SVG, no script and no network, laid out to print on A4.

use std::fmt::Write as _;

use crate::i18n::Lang;

/// The whole page.
pub struct Page {
    pub lang: Lang,
    pub title: String,
    pub subtitle: String,
    pub blocks: Vec<Block>,
}

/// One section of the page.
pub struct Block {
    /// The anchor (`#funnel`).
    pub id: &'static str,
    pub title: String,
    pub items: Vec<Item>,
}

/// What a section holds.
pub enum Item {
    /// Headline figure cards.
    Cards(Vec<Card>),
    /// Sentences as a bulleted list.
    Sentences(Vec<String>),
    /// A chart, as SVG markup.
    Svg(String),
    Table(Table),
    /// Notes for the reader (assumptions, what is missing).
    Notes(Vec<String>),
    /// The section could not be built, and why.
    Missing(String),
    /// A line of plain text.
    Text(String),
}

/// A headline figure with its comparisons.
pub struct Card {
    pub label: String,
    pub value: String,
    /// (text, tone): tone > 0 good, < 0 bad, 0 neutral.
    pub lines: Vec<(String, i8)>,
}

/// A table for people: formatted cells, numeric columns right-aligned.
pub struct Table {
    pub caption: String,
    pub head: Vec<String>,
    pub numeric: Vec<bool>,
    pub rows: Vec<Vec<String>>,
    /// A line under the table (e.g. how many more rows are in the files).
    pub footer: Option<String>,
}

/// Escape text for HTML.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = r#"
:root { --ink: #1f2328; --muted: #5f6b7a; --line: #d8dee4; --good: #1a7f37; --bad: #c62828; --band: #f6f8fa; }
* { box-sizing: border-box; }
body { font-family: "Liberation Sans", "DejaVu Sans", Arial, sans-serif; color: var(--ink); margin: 0; background: #fff; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 28px; margin: 0 0 4px; }
.subtitle { color: var(--muted); margin: 0 0 18px; }
nav { margin: 0 0 18px; font-size: 14px; }
nav a { color: #0b57d0; margin-right: 14px; text-decoration: none; }
section { border-top: 2px solid var(--line); padding-top: 10px; margin-top: 26px; }
h2 { font-size: 21px; margin: 4px 0 12px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; background: var(--band); break-inside: avoid; }
.card .label { color: var(--muted); font-size: 13px; }
.card .value { font-size: 26px; font-weight: bold; margin: 4px 0 6px; }
.card .line { font-size: 13px; color: var(--muted); }
.good { color: var(--good) !important; }
.bad { color: var(--bad) !important; }
ul.sentences li { margin: 4px 0; font-size: 16px; }
figure { margin: 14px 0; break-inside: avoid; page-break-inside: avoid; }
figure svg { width: 100%; height: auto; display: block; }
table { border-collapse: collapse; margin: 10px 0 4px; font-size: 13px; break-inside: auto; }
caption { text-align: left; font-weight: bold; padding: 4px 0; font-size: 14px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; vertical-align: top; }
th { background: var(--band); text-align: left; }
td.n, th.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr { break-inside: avoid; page-break-inside: avoid; }
.footer, .text { color: var(--muted); font-size: 13px; }
.notes { color: var(--muted); font-size: 13px; border-left: 3px solid var(--line); padding-left: 10px; }
.missing { border: 1px solid #f0c36d; background: #fff8e5; padding: 8px 12px; border-radius: 6px; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  main { max-width: none; padding: 0; }
  nav { display: none; }
  section { break-before: auto; }
  h2 { break-after: avoid; page-break-after: avoid; }
  .cards { grid-template-columns: repeat(3, 1fr); }
}
"#;

/// The page as one HTML document.
pub fn render(page: &Page) -> String {
    let lang = match page.lang {
        Lang::En => "en",
        Lang::Ru => "ru",
    };
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n\
         <h1>{}</h1>\n<p class=\"subtitle\">{}</p>\n<nav>",
        esc(&page.title),
        esc(&page.title),
        esc(&page.subtitle)
    );
    for b in &page.blocks {
        let _ = write!(h, "<a href=\"#{}\">{}</a>", b.id, esc(&b.title));
    }
    h.push_str("</nav>\n");
    for b in &page.blocks {
        let _ = writeln!(h, "<section id=\"{}\">\n<h2>{}</h2>", b.id, esc(&b.title));
        for item in &b.items {
            item_html(&mut h, item);
        }
        h.push_str("</section>\n");
    }
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

fn item_html(h: &mut String, item: &Item) {
    match item {
        Item::Cards(cards) => {
            h.push_str("<div class=\"cards\">\n");
            for c in cards {
                let _ = write!(
                    h,
                    "<div class=\"card\"><div class=\"label\">{}</div><div class=\"value\">{}</div>",
                    esc(&c.label),
                    esc(&c.value)
                );
                for (text, tone) in &c.lines {
                    let class = match tone.signum() {
                        1 => "line good",
                        -1 => "line bad",
                        _ => "line",
                    };
                    let _ = write!(h, "<div class=\"{class}\">{}</div>", esc(text));
                }
                h.push_str("</div>\n");
            }
            h.push_str("</div>\n");
        }
        Item::Sentences(list) => {
            h.push_str("<ul class=\"sentences\">\n");
            for s in list {
                let _ = writeln!(h, "<li>{}</li>", esc(s));
            }
            h.push_str("</ul>\n");
        }
        Item::Svg(svg) => {
            let _ = writeln!(h, "<figure>{svg}</figure>");
        }
        Item::Table(t) => table_html(h, t),
        Item::Notes(notes) => {
            if !notes.is_empty() {
                h.push_str("<div class=\"notes\">\n");
                for n in notes {
                    let _ = writeln!(h, "<p>{}</p>", esc(n));
                }
                h.push_str("</div>\n");
            }
        }
        Item::Missing(why) => {
            let _ = writeln!(h, "<p class=\"missing\">{}</p>", esc(why));
        }
        Item::Text(text) => {
            let _ = writeln!(h, "<p class=\"text\">{}</p>", esc(text));
        }
    }
}

fn table_html(h: &mut String, t: &Table) {
    let class = |i: usize| {
        if t.numeric.get(i).copied().unwrap_or(false) {
            " class=\"n\""
        } else {
            ""
        }
    };
    let _ = write!(
        h,
        "<table>\n<caption>{}</caption>\n<thead><tr>",
        esc(&t.caption)
    );
    for (i, c) in t.head.iter().enumerate() {
        let _ = write!(h, "<th{}>{}</th>", class(i), esc(c));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for row in &t.rows {
        h.push_str("<tr>");
        for (i, c) in row.iter().enumerate() {
            let _ = write!(h, "<td{}>{}</td>", class(i), esc(c));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
    if let Some(f) = &t.footer {
        let _ = writeln!(h, "<p class=\"footer\">{}</p>", esc(f));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_renders() {
        assert_eq!(esc("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
        let page = Page {
            lang: Lang::Ru,
            title: "Отчёт".into(),
            subtitle: "s".into(),
            blocks: vec![Block {
                id: "x",
                title: "Раздел".into(),
                items: vec![
                    Item::Table(Table {
                        caption: "c".into(),
                        head: vec!["a".into(), "b".into()],
                        numeric: vec![false, true],
                        rows: vec![vec!["<x>".into(), "1\u{a0}234".into()]],
                        footer: None,
                    }),
                    Item::Missing("нет".into()),
                ],
            }],
        };
        let html = render(&page);
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<html lang=\"ru\">"));
        assert!(html.contains("<td>&lt;x&gt;</td><td class=\"n\">1\u{a0}234</td>"));
        assert!(html.contains("<p class=\"missing\">нет</p>"));
        assert!(html.contains("<a href=\"#x\">Раздел</a>"));
        assert!(!html.contains("http://") && !html.contains("https://"));
    }
}
