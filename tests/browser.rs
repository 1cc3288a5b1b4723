//! The report in a real browser: headless Chromium (Debian's `chromium`, or the binary in
//! `CRMSTAT_CHROMIUM`) renders index.html, in English and in Russian, to a PNG and to its
//! DOM. The screenshot must not be blank and the DOM must carry the key figures from
//! summary.json, written the way the language writes them. The screenshots are kept in
//! `<target>/tmp/browser/` for people to look at.
//!
//! Without Chromium the test says so and passes, except under `CI=true`, where `.ci/run`
//! installs it and its absence is a failure (unless `.ci/run` could not install it and
//! said so loudly, setting `CRMSTAT_NO_BROWSER`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use crmstat::i18n::{Lang, money, percent};
use serde_json::Value;

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CRMSTAT_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Run Chromium headless on `page` with extra arguments; returns stdout.
fn browse(bin: &Path, profile: &Path, page: &Path, args: &[String]) -> String {
    let url = format!("file://{}", page.display());
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(&url)
        .stdin(Stdio::null())
        // A file, not a pipe: the DOM is larger than a pipe holds while we wait.
        .stdout(Stdio::from(
            std::fs::File::create(profile.with_extension("out")).expect("output file"),
        ))
        .stderr(Stdio::from(
            std::fs::File::create(profile.with_extension("log")).expect("log file"),
        ))
        .spawn()
        .expect("start chromium");
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait for chromium").is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let log = std::fs::read_to_string(profile.with_extension("log")).unwrap_or_default();
            panic!("chromium did not finish within 60 s:\n{log}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    std::fs::read_to_string(profile.with_extension("out")).expect("chromium output")
}

/// Share of pixels that are not white, and how many distinct colours the image has.
fn ink(png_path: &Path) -> (u32, u32, f64, usize) {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(png_path).expect("screenshot"),
    ));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("PNG pixels");
    let channels = info.color_type.samples();
    let pixels = &buf[..info.buffer_size()];
    let mut colours = std::collections::HashSet::new();
    let mut inked = 0usize;
    let n = pixels.len() / channels;
    for px in pixels.chunks(channels) {
        let rgb = (px[0], px[1 % channels], px[2 % channels]);
        if rgb != (255, 255, 255) {
            inked += 1;
        }
        if colours.len() < 10_000 {
            colours.insert(rgb);
        }
    }
    (
        info.width,
        info.height,
        inked as f64 / n as f64,
        colours.len(),
    )
}

#[test]
fn the_page_renders_in_chromium_in_both_languages() {
    let Some(bin) = chromium() else {
        if std::env::var("CI").is_ok_and(|v| v == "true")
            && std::env::var_os("CRMSTAT_NO_BROWSER").is_none()
        {
            panic!("chromium not found: .ci/run installs it (apt-get install chromium)");
        }
        eprintln!("chromium not found: the browser check was skipped (install chromium)");
        return;
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let keep = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&keep).unwrap();
    let work = tempfile::tempdir().unwrap();
    for (lang, code) in [(Lang::En, "en"), (Lang::Ru, "ru")] {
        let out = work.path().join(code);
        Command::cargo_bin("crmstat")
            .unwrap()
            .args([
                "report", "--period", "2025-11", "--quiet", "--lang", code, "--data",
            ])
            .arg(root.join("sample-data"))
            .arg("--out")
            .arg(&out)
            .status()
            .expect("crmstat report")
            .success()
            .then_some(())
            .expect("the report was written");
        let page = out.join("index.html");
        let shot = keep.join(format!("report_{code}.png"));
        let _ = std::fs::remove_file(&shot);
        browse(
            &bin,
            &work.path().join(format!("profile_{code}")),
            &page,
            &[
                "--window-size=1280,2400".into(),
                format!("--screenshot={}", shot.display()),
            ],
        );
        let (w, h, share, colours) = ink(&shot);
        assert_eq!((w, h), (1280, 2400), "{code}: screenshot size");
        assert!(
            share > 0.05,
            "{code}: the page looks blank ({:.1}% ink)",
            share * 100.0
        );
        assert!(colours > 50, "{code}: only {colours} colours: no charts?");

        // The DOM as serialised writes no-break spaces as an entity.
        let dom = browse(
            &bin,
            &work.path().join(format!("profile_dom_{code}")),
            &page,
            &["--dump-dom".into()],
        )
        .replace("&nbsp;", "\u{a0}");
        let summary: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap())
                .unwrap();
        let now = &summary["headline"]["current"];
        let won = now["won_amount"].to_string();
        let (whole, frac) = won.split_once('.').unwrap();
        let minor: i128 = format!("{whole}{frac:0<2}").parse().unwrap();
        let rate = now["win_rate"].as_f64().unwrap();
        let (title, money_text, rate_text) = (
            match lang {
                Lang::En => "Sales report — 2025-11",
                Lang::Ru => "Отчёт о продажах — 2025-11",
            },
            money(minor, "₽", lang),
            percent(rate, lang),
        );
        for needle in [title, money_text.as_str(), rate_text.as_str()] {
            assert!(
                dom.contains(needle),
                "{code}: the rendered page lacks {needle:?}"
            );
        }
        let leak = summary["leaks"][0]["text"].as_str().unwrap();
        assert!(leak.len() > 20);
        assert!(dom.contains(leak), "{code}: leak sentence {leak:?} missing");
        assert!(dom.matches("<svg").count() >= 8, "{code}: inline charts");
    }
}
