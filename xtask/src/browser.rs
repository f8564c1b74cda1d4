//! Loads every built page in headless Chromium, as a reader's browser would,
//! and checks what the scripts made of it: every diagram drawn (and drawn dark
//! on a dark theme), every quiz showing its first question, no errors, search
//! answering.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::{Fail, cmd, html, http};

const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// How long (in virtual time) scripts may run before the DOM is dumped, so
/// a diagram or quiz has drawn first. A page that shows a problem is loaded
/// again with the next budget: the print page draws every diagram and quiz
/// of the book, which on a slow or busy machine outlasts the first budget
/// (a real fault shows on every attempt, so it still fails).
const BUDGETS_MS: &[u32] = &[5_000, 20_000, 60_000];

/// Runs `attempt` with each budget in turn until it finds no problem.
/// Returns the last attempt's problems and the budget it had.
fn with_longer_budgets(
    mut attempt: impl FnMut(u32) -> Result<Vec<String>, Fail>,
) -> Result<(Vec<String>, u32), Fail> {
    let mut problems = Vec::new();
    for &budget in BUDGETS_MS {
        problems = attempt(budget)?;
        if problems.is_empty() {
            return Ok((problems, budget));
        }
    }
    Ok((problems, BUDGETS_MS[BUDGETS_MS.len() - 1]))
}

/// How mermaid leaves a block it has drawn.
const DRAWN_DIAGRAM: &str = "<pre class=\"mermaid\" data-processed=\"true\"><svg";

/// A word that every version of the book has in its search index.
const SEARCH_WORD: &str = "thread";

pub struct Report {
    pub pages: usize,
    pub diagrams: usize,
    pub quizzes: usize,
    /// Pages that drew everything only with a longer budget than the first.
    pub slow: Vec<String>,
}

/// The Chromium to use: `$CHROMIUM`, else `chromium` on the PATH.
pub fn chromium() -> Option<String> {
    std::env::var("CHROMIUM")
        .ok()
        .or_else(|| cmd::exists("chromium").then(|| "chromium".into()))
}

pub fn check(html_dir: &Path, chromium: &str) -> Result<Report, Fail> {
    let address = http::serve(html_dir)
        .map_err(|error| Fail::new(format!("cannot serve {}: {error}", html_dir.display())))?;
    let base = format!("http://{address}");
    let browser = Browser {
        program: chromium.to_string(),
    };
    let mut report = Report {
        pages: 0,
        diagrams: 0,
        quizzes: 0,
        slow: Vec::new(),
    };
    let mut problems = Vec::new();

    for page in pages(html_dir)? {
        let name = page
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let built = std::fs::read_to_string(&page).unwrap_or_default();
        let expected = Expected::of(&built);
        let (found, budget) = with_longer_budgets(|budget| {
            let dom = browser.dump(&format!("{base}/{name}"), false, budget)?;
            Ok(expected.problems(&dom))
        })?;
        if found.is_empty() && budget != BUDGETS_MS[0] {
            report.slow.push(format!("{name} ({} s)", budget / 1000));
        }
        problems.extend(found.into_iter().map(|p| format!("{name}: {p}")));
        report.pages += 1;
        report.diagrams += expected.diagrams;
        report.quizzes += expected.first_prompts.len();
    }

    problems.extend(check_search(&browser, &base)?);
    problems.extend(check_dark_theme(&browser, &base, html_dir)?);

    Fail::unless_empty("the browser check found problems", problems)?;
    Ok(report)
}

/// Every HTML page of the book (the chapters, the print page, the 404 page).
fn pages(html_dir: &Path) -> Result<Vec<PathBuf>, Fail> {
    crate::files_with_extension(html_dir, "html")
}

struct Browser {
    program: String,
}

impl Browser {
    /// The page's DOM after its scripts ran.
    fn dump(&self, url: &str, dark: bool, budget_ms: u32) -> Result<String, Fail> {
        let profile = std::env::temp_dir().join(format!("xtask-chromium-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&profile);
        let mut command = Command::new(&self.program);
        command
            .args(FLAGS)
            .arg(format!("--virtual-time-budget={budget_ms}"))
            .arg(format!("--user-data-dir={}", profile.display()));
        if dark {
            // The reader's system prefers dark: mdBook then picks its
            // preferred dark theme.
            command.arg("--force-dark-mode");
        }
        command.args(["--dump-dom", url]);
        // The print page holds the whole book: on a busy machine it takes a while.
        let finished = cmd::capture(&mut command, Duration::from_secs(240))?;
        let _ = std::fs::remove_dir_all(&profile);
        if !finished.success() || finished.stdout.is_empty() {
            return Err(Fail::new(format!(
                "chromium could not load {url} ({}): {}",
                finished.describe(),
                finished
                    .stderr
                    .lines()
                    .rev()
                    .take(5)
                    .collect::<Vec<_>>()
                    .join(" | ")
            )));
        }
        Ok(finished.stdout)
    }
}

/// What a page must show once its scripts have run, read from the built HTML.
struct Expected {
    diagrams: usize,
    first_prompts: Vec<String>,
}

impl Expected {
    fn of(built: &str) -> Expected {
        let first_prompts = html::attribute_values(built, "data-quiz-questions")
            .iter()
            .filter_map(|questions| first_prompt(questions))
            .collect();
        Expected {
            diagrams: built.matches("<pre class=\"mermaid\">").count(),
            first_prompts,
        }
    }

    fn problems(&self, dom: &str) -> Vec<String> {
        let mut problems = Vec::new();
        if let Some(errors) = html::attribute_values(dom, "data-probe-errors").first() {
            problems.push(format!("errors in the page: {errors}"));
        }
        let drawn = dom
            .matches("<pre class=\"mermaid\" data-processed=\"true\"><svg")
            .count();
        if drawn != self.diagrams {
            problems.push(format!(
                "{} diagram(s) on the page, {drawn} drawn",
                self.diagrams
            ));
        }
        if dom.contains("Syntax error in text") {
            problems.push("a diagram has a mermaid syntax error".into());
        }
        // Tags inside a sentence leave spaces where the Markdown had none
        // (`wait in <code>read</code>.`), so compare without white space.
        let text = without_spaces(&html::visible_text(dom));
        for prompt in &self.first_prompts {
            if !text.contains(&without_spaces(prompt)) {
                problems.push(format!(
                    "the quiz does not show its first question: {prompt:?}"
                ));
            }
        }
        problems
    }
}

fn without_spaces(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The first question's prompt in mdbook-quiz's JSON, as plain text (the
/// Markdown marks that render as formatting removed).
fn first_prompt(questions_json: &str) -> Option<String> {
    let start = questions_json.find("\"prompt\":\"")? + "\"prompt\":\"".len();
    let raw = html::json_string_at(&questions_json[start..])?;
    let plain: String = raw.chars().filter(|c| !matches!(c, '`' | '*')).collect();
    Some(html::collapse_whitespace(&plain))
}

fn check_search(browser: &Browser, base: &str) -> Result<Vec<String>, Fail> {
    let url = format!("{base}/index.html?search={SEARCH_WORD}");
    let (problems, _) = with_longer_budgets(|budget| {
        let dom = browser.dump(&url, false, budget)?;
        let results = html::element_inner(&dom, "id=\"mdbook-searchresults\"")
            .map_or(0, |list| list.matches("<li").count());
        Ok(if results == 0 {
            vec![format!("searching for {SEARCH_WORD:?} found nothing")]
        } else {
            Vec::new()
        })
    })?;
    Ok(problems)
}

/// On a dark theme a diagram must be drawn with mermaid's dark look: the same
/// page, drawn light and dark, must differ in its diagrams' styles.
fn check_dark_theme(browser: &Browser, base: &str, html_dir: &Path) -> Result<Vec<String>, Fail> {
    let Some(page) = pages(html_dir)?.into_iter().find(|page| {
        let built = std::fs::read_to_string(page).unwrap_or_default();
        built.contains("<pre class=\"mermaid\">") && !page.ends_with("print.html")
    }) else {
        return Ok(vec![
            "no page has a diagram to check the dark theme with".into(),
        ]);
    };
    let url = format!(
        "{base}/{}",
        page.file_name().unwrap_or_default().to_string_lossy()
    );
    let (problems, _) = with_longer_budgets(|budget| {
        let light = browser.dump(&url, false, budget)?;
        let dark = browser.dump(&url, true, budget)?;
        Ok(theme_problems(&url, &light, &dark))
    })?;
    Ok(problems)
}

/// What is wrong with a page's dark look, given its light and dark DOMs.
fn theme_problems(url: &str, light: &str, dark: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if !html::element_open_tag(dark, "<html")
        .unwrap_or_default()
        .contains("navy")
    {
        problems.push(format!(
            "{url}: a reader who prefers dark does not get the navy theme"
        ));
    }
    match (diagram_style(light), diagram_style(dark)) {
        (Some(light), Some(dark)) if light != dark => {}
        (Some(_), Some(_)) => problems.push(format!(
            "{url}: diagrams look the same on light and dark themes"
        )),
        _ => problems.push(format!(
            "{url}: no drawn diagram to compare light and dark themes"
        )),
    }
    problems
}

/// The `<style>` mermaid wrote into the page's first drawn diagram.
fn diagram_style(dom: &str) -> Option<&str> {
    let drawn = &dom[dom.find(DRAWN_DIAGRAM)?..];
    html::element_inner(drawn, "<style")
}
