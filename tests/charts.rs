//! Issue 17 item 25: every PNG chart carries its SVG's text. A PNG is its SVG rasterized
//! (`chart::rasterize`), so the test checks, for every chart of the report in both
//! languages, that the PNG file is exactly the rasterized SVG and that the bundled font has a
//! glyph for every character the SVG writes; and, on the glyphs plotters' bitmap text lost
//! (`,` `.` `:` at 13–14 px), that each one puts ink on the PNG.

use std::path::Path;

use assert_cmd::Command;

/// The text of every `<text>` element of an SVG, unescaped.
fn svg_texts(svg: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find("<text") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else {
            break;
        };
        let Some(close) = after.find("</text>") else {
            break;
        };
        let inner = after[open_end + 1..close].trim();
        out.push(
            inner
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&apos;", "'")
                .replace("&amp;", "&"),
        );
        rest = &after[close + 7..];
    }
    out
}

fn report(lang: &str, out: &Path) {
    Command::cargo_bin("crmstat")
        .unwrap()
        .args([
            "report", "--period", "2024-06", "--quiet", "--lang", lang, "--data",
        ])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data"))
        .arg("--out")
        .arg(out)
        .assert()
        .success();
}

#[test]
fn every_png_is_its_svg_and_every_glyph_exists() {
    let dir = tempfile::tempdir().unwrap();
    for lang in ["en", "ru"] {
        let out = dir.path().join(lang);
        report(lang, &out);
        let mut charts = 0;
        for entry in std::fs::read_dir(out.join("charts")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("svg") {
                continue;
            }
            charts += 1;
            let svg = std::fs::read_to_string(&path).unwrap();
            let texts = svg_texts(&svg);
            assert!(!texts.is_empty(), "{}: no text", path.display());
            for t in &texts {
                let missing = crmstat::chart::missing_glyphs(t);
                assert!(
                    missing.is_empty(),
                    "{}: no glyph for {missing:?} in {t:?}",
                    path.display()
                );
            }
            let png = std::fs::read(path.with_extension("png")).unwrap();
            assert!(
                png == crmstat::chart::rasterize(&svg).unwrap(),
                "{}: the PNG is not its SVG",
                path.display()
            );
        }
        assert!(charts >= 8, "{lang}: {charts} charts");
    }
}

/// The ink of a PNG: the sum over its pixels of how far each is from white (0–255 each).
fn ink(png: &[u8]) -> u64 {
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let step = info.color_type.samples();
    buf[..info.buffer_size()]
        .chunks(step)
        .map(|p| 255 - (u64::from(p[0]) + u64::from(p[1]) + u64::from(p[2])) / 3)
        .sum()
}

/// The characters plotters' bitmap text lost at the sizes the charts use (`,` `.` `:` at
/// 12–14 px) reach the PNG: "13,7 %" carries the ink of "137 %" and of its comma.
#[test]
fn thin_glyphs_reach_the_png() {
    let svg = |text: &str, size: u32| {
        format!(
            "<svg width=\"200\" height=\"40\" viewBox=\"0 0 200 40\" xmlns=\"http://www.w3.org/2000/svg\">\
             <text x=\"10\" y=\"10\" dy=\"0.76em\" font-family=\"sans-serif\" font-size=\"{size}\" fill=\"#000000\">{text}</text></svg>"
        )
    };
    let ink_of = |t: &str, size: u32| ink(&crmstat::chart::rasterize(&svg(t, size)).unwrap());
    for size in [12, 13, 14] {
        for (with, without, glyph) in [
            ("13,7\u{a0}%", "137\u{a0}%", ","),
            ("13.7%", "137%", "."),
            ("отрезок:", "отрезок", ":"),
        ] {
            let (a, b, alone) = (
                ink_of(with, size),
                ink_of(without, size),
                ink_of(glyph, size),
            );
            // The glyph adds most of its own ink (the neighbours shift by a fraction of a pixel).
            assert!(alone > 0, "{size} px: {glyph:?} draws nothing");
            assert!(
                (a as f64 - b as f64) >= 0.5 * alone as f64,
                "{size} px: {with:?} has ink {a}, {without:?} {b}, {glyph:?} alone {alone}"
            );
        }
    }
}

/// The retention heatmap, in both languages: its PNG is its SVG and every glyph exists.
#[test]
fn the_retention_heatmap_png_is_its_svg() {
    let dir = tempfile::tempdir().unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let toml = std::fs::read_to_string(data.join("crmstat.toml")).unwrap();
    for lang in ["en", "ru"] {
        let config = dir.path().join(format!("{lang}.toml"));
        std::fs::write(&config, format!("lang = \"{lang}\"\n{toml}")).unwrap();
        let out = dir.path().join(lang);
        Command::cargo_bin("crmstat")
            .unwrap()
            .args(["retention", "--period", "2025-06", "--data"])
            .arg(&data)
            .arg("--config")
            .arg(&config)
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        let svg = std::fs::read_to_string(out.join("retention_heatmap.svg")).unwrap();
        let texts = svg_texts(&svg);
        let first = if lang == "ru" {
            "месяцев с первой покупки"
        } else {
            "months since the first purchase"
        };
        assert!(texts.iter().any(|t| t.contains(first)), "{texts:?}");
        for t in &texts {
            assert!(crmstat::chart::missing_glyphs(t).is_empty(), "{t:?}");
        }
        let png = std::fs::read(out.join("retention_heatmap.png")).unwrap();
        assert!(png == crmstat::chart::rasterize(&svg).unwrap());
    }
}
