//! Rules for the code on the pages, read from the page sources:
//!
//! - **No stand-ins.** Lines a page hides (`# …` in a Rust block) may import
//!   or re-export the listing's real items (`# use ch05_green_io::net;`,
//!   `# mod policy { pub use ch04_green_threads::policy::*; }`), set up
//!   values, or wrap the shown code (`# fn main() {` … `# }`). They may not
//!   define an item of their own — a function, type, impl, trait, constant —
//!   whose whole body the reader never sees: that would compile the shown
//!   code against something the listing does not have.
//! - **Captions.** Every block that shows a listing's code has the book's one
//!   caption format: the file above it, the listing's number and what it
//!   shows below it, numbered in order through the chapter:
//!
//! ````text
//! <span class="filename">Filename: listings/ch05-green-io/src/net.rs</span>
//!
//! ```rust
//! {{#include ../listings/ch05-green-io/src/net.rs:read}}
//! ```
//!
//! <span class="caption">Listing 5-3: A read that waits for readiness</span>
//! ````

use std::path::Path;

use crate::Fail;
use crate::markdown::{self, Fence};

#[derive(Default)]
pub struct Report {
    /// Blocks from listings, each with its caption.
    pub captioned: usize,
    /// Hidden lines written in the pages, each an import, a re-export, a
    /// statement or part of a wrapper.
    pub hidden_lines: usize,
}

pub fn check(root: &Path) -> Result<Report, Fail> {
    let mut report = Report::default();
    let mut problems = Vec::new();
    for page in crate::files_with_extension(&root.join("chapters"), "md")? {
        let text = std::fs::read_to_string(&page)
            .map_err(|error| Fail::new(format!("cannot read {}: {error}", page.display())))?;
        let name = page
            .strip_prefix(root)
            .unwrap_or(&page)
            .display()
            .to_string();
        let chapter = chapter_number(&page);
        let fences = markdown::fences(&text);
        let lines: Vec<&str> = text.lines().collect();
        let mut number = 0;
        for fence in &fences {
            let rust = markdown::info_words(&fence.info).contains(&"rust");
            if rust {
                let (hidden, found) = stand_ins(fence);
                report.hidden_lines += hidden;
                problems.extend(found.into_iter().map(|(line, what)| {
                    format!(
                        "{name}:{line}: a hidden line defines {what}, a stand-in for the listing's code; \
                         import or re-export the real item instead (make it `pub`, `#[doc(hidden)]` if it is plumbing)"
                    )
                }));
            }
            let Some(file) = listing_file(fence) else {
                continue;
            };
            number += 1;
            report.captioned += 1;
            problems.extend(
                caption_problems(&lines, fence, &file, chapter, number)
                    .into_iter()
                    .map(|problem| format!("{name}:{}: {problem}", fence.line)),
            );
        }
    }
    Fail::unless_empty("code on the pages breaks the book's rules", problems)?;
    Ok(report)
}

/// `chapters/ch05-green-io.md` → 5; pages without a number (the
/// introduction) have none and show no listings.
fn chapter_number(page: &Path) -> Option<u32> {
    let stem = page.file_stem()?.to_str()?;
    stem.strip_prefix("ch")?.get(..2)?.parse().ok()
}

/// The listing code file a block includes, as `listings/…` (`None` for a
/// block that includes no code, e.g. a program's output).
fn listing_file(fence: &Fence) -> Option<String> {
    fence.body.iter().find_map(|line| {
        let rest = line.trim().strip_prefix("{{#")?;
        let target = rest
            .strip_prefix("include ")
            .or_else(|| rest.strip_prefix("rustdoc_include "))?;
        let target = target.trim().trim_end_matches("}}").trim();
        let file = target.split(':').next()?;
        let file = file.strip_prefix("../")?;
        (file.starts_with("listings/") && !file.ends_with(".txt")).then(|| file.to_string())
    })
}

fn caption_problems(
    lines: &[&str],
    fence: &Fence,
    file: &str,
    chapter: Option<u32>,
    number: u32,
) -> Vec<String> {
    let mut problems = Vec::new();
    let opening = fence.line - 1; // index of the opening fence line
    let before = lines[..opening]
        .iter()
        .rev()
        .find(|line| !line.trim().is_empty())
        .map(|line| line.trim());
    let filename = format!("<span class=\"filename\">Filename: {file}</span>");
    if before != Some(filename.as_str()) {
        problems.push(format!(
            "a block from a listing needs `{filename}` on the line above it (found: {})",
            before.unwrap_or("nothing")
        ));
    }
    let closing = opening + fence.body.len() + 1;
    let after = lines
        .get(closing + 1..)
        .unwrap_or_default()
        .iter()
        .find(|line| !line.trim().is_empty())
        .map(|line| line.trim());
    let Some(chapter) = chapter else {
        problems.push("a page without a chapter number shows a listing".to_string());
        return problems;
    };
    let prefix = format!("<span class=\"caption\">Listing {chapter}-{number}: ");
    let captioned = after.is_some_and(|after| {
        after
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix("</span>"))
            .is_some_and(|what| !what.trim().is_empty())
    });
    if !captioned {
        problems.push(format!(
            "a block from a listing needs `{prefix}what it shows</span>` below it \
             (listings are numbered in order through the chapter; found: {})",
            after.unwrap_or("nothing")
        ));
    }
    problems
}

/// The words that start an item definition, after any `pub`, `async`,
/// `unsafe`, `extern "C"` or attribute.
const ITEM_WORDS: [&str; 10] = [
    "fn",
    "struct",
    "enum",
    "union",
    "impl",
    "trait",
    "type",
    "const",
    "static",
    "macro_rules!",
];

/// How many hidden lines the block has, and the stand-ins among them:
/// (line on the page, what is defined).
fn stand_ins(fence: &Fence) -> (usize, Vec<(usize, String)>) {
    let mut hidden_count = 0;
    let mut found = Vec::new();
    // An item being read: where it started, what it is, its brace depth,
    // whether the reader saw any of it.
    let mut open: Option<(usize, String, i64, bool)> = None;
    for (index, raw) in fence.body.iter().enumerate() {
        let line_number = fence.line + 1 + index;
        let (hidden, code) = match hidden_code(raw) {
            Some(code) => (true, code),
            None => (false, raw.trim()),
        };
        if hidden {
            hidden_count += 1;
        }
        if let Some((start, what, depth, seen)) = open.as_mut() {
            *seen |= !hidden && !code.is_empty();
            *depth += braces(code);
            if *depth <= 0 {
                if !*seen {
                    found.push((*start, what.clone()));
                }
                open = None;
            }
            continue;
        }
        if !hidden {
            continue;
        }
        let Some(what) = item_definition(code) else {
            continue;
        };
        // A hidden `main` runs the shown code; the listing has none to stand in for.
        if what == "`fn main`" {
            open = Some((line_number, what, braces(code), true));
            if braces(code) <= 0 {
                open = None;
            }
            continue;
        }
        let depth = braces(code);
        if depth > 0 {
            open = Some((line_number, what, depth, false));
        } else if code.ends_with(';') || code.ends_with('}') {
            // The whole item is on this hidden line.
            found.push((line_number, what));
        } else {
            // A signature continued on the next lines: read on.
            open = Some((line_number, what, 0, false));
        }
    }
    if let Some((start, what, _, false)) = open {
        found.push((start, what));
    }
    (hidden_count, found)
}

/// The code of a line rustdoc hides (`# code`, or a lone `#`), else `None`.
fn hidden_code(line: &str) -> Option<&str> {
    let trimmed = line.trim_start();
    if trimmed == "#" {
        Some("")
    } else {
        trimmed.strip_prefix("# ").map(str::trim)
    }
}

/// What `code` starts to define, if it is an item other than an import or a
/// module of re-exports.
fn item_definition(code: &str) -> Option<String> {
    let mut rest = code;
    loop {
        rest = rest.trim_start();
        if rest.starts_with("#[") {
            // An attribute on the same line: skip past its `]`.
            rest = &rest[rest.find(']')? + 1..];
            continue;
        }
        let stripped = [
            "pub(crate) ",
            "pub(super) ",
            "pub ",
            "async ",
            "unsafe ",
            "extern \"C\" ",
        ]
        .iter()
        .find_map(|word| rest.strip_prefix(word));
        match stripped {
            Some(after) => rest = after,
            None => break,
        }
    }
    if let Some(module) = rest.strip_prefix("mod ") {
        // `mod x { pub use real::x::*; }` re-exports; anything else defines.
        let body = module
            .split_once('{')
            .map(|(_, body)| body.trim_end_matches('}').trim());
        let reexports = body.is_some_and(|body| {
            body.split(';')
                .map(str::trim)
                .filter(|statement| !statement.is_empty())
                .all(|statement| statement.starts_with("pub use ") || statement.starts_with("use "))
        });
        return (!reexports).then(|| format!("`mod {}`", first_word(module)));
    }
    ITEM_WORDS.iter().find_map(|word| {
        let after = rest.strip_prefix(word)?;
        let separated = word.ends_with('!') || after.starts_with([' ', '<', '(']);
        let name = if *word == "impl" {
            // `impl<S: AsRawFd> Registered<S> {` → `impl<S: AsRawFd> Registered<S>`
            after.split('{').next().unwrap_or(after).trim()
        } else {
            first_word(after.trim_start())
        };
        separated.then(|| format!("`{word} {name}`").replace("  ", " "))
    })
}

fn first_word(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// Opening minus closing braces on a line, outside string and char literals.
fn braces(code: &str) -> i64 {
    let mut depth = 0;
    let mut in_string = false;
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if in_string => {
                chars.next();
            }
            '"' => in_string = !in_string,
            '\'' if !in_string => {
                // A char literal such as '{' (a lifetime has no closing quote).
                let mut look = chars.clone();
                let literal = match (look.next(), look.next(), look.next()) {
                    (Some('\\'), Some(_), Some('\'')) => 3,
                    (Some(_), Some('\''), _) => 2,
                    _ => 0,
                };
                for _ in 0..literal {
                    chars.next();
                }
            }
            '/' if !in_string && chars.peek() == Some(&'/') => break,
            '{' if !in_string => depth += 1,
            '}' if !in_string => depth -= 1,
            _ => {}
        }
    }
    depth
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fence(body: &str) -> Fence {
        Fence {
            line: 1,
            info: "rust".into(),
            body: body.lines().map(str::to_string).collect(),
        }
    }

    #[test]
    fn imports_reexports_statements_and_wrappers_are_fine() {
        let block = fence(
            "# use std::io;\n\
             # mod policy { pub use ch04_green_threads::policy::*; }\n\
             # fn main() -> io::Result<()> {\n\
             # let x = 1;\n\
             {{#include ../listings/ch05-green-io/src/net.rs:read}}\n\
             # Ok(())\n\
             # }",
        );
        assert_eq!(stand_ins(&block), (6, vec![]));
    }

    #[test]
    fn hidden_definitions_are_stand_ins() {
        let block = fence(
            "# struct Registered<S> {\n\
             #     socket: S,\n\
             # }\n\
             # fn retry_when_ready<R>(\n\
             #     op: impl FnMut() -> R,\n\
             # ) -> R {\n\
             #     op()\n\
             # }\n\
             # struct TcpStream;\n\
             # #[derive(Default)]\n\
             # pub(crate) const N: usize = 3;\n\
             # mod netpoll { pub fn park() {} }\n\
             # impl TcpStream { fn new() -> Self { TcpStream } }\n\
             fn shown() {}",
        );
        let found: Vec<String> = stand_ins(&block)
            .1
            .into_iter()
            .map(|(_, what)| what)
            .collect();
        assert_eq!(
            found,
            [
                "`struct Registered`",
                "`fn retry_when_ready`",
                "`struct TcpStream`",
                "`const N`",
                "`mod netpoll`",
                "`impl TcpStream`"
            ]
        );
    }

    #[test]
    fn a_hidden_item_around_shown_lines_is_a_wrapper() {
        let block = fence(
            "# impl Demo {\n    fn shown(&self) {}\n# }\n# async fn run() {\nrun_it().await;\n# }",
        );
        assert_eq!(stand_ins(&block).1, vec![]);
    }

    #[test]
    fn counts_braces_outside_literals() {
        assert_eq!(braces("fn f() { let c = '{'; let s = \"}}\"; // }"), 1);
        assert_eq!(braces("impl<'a> X<'a> {"), 1);
    }

    #[test]
    fn checks_captions() {
        let page = "text\n\
                    <span class=\"filename\">Filename: listings/ch05-x/src/net.rs</span>\n\
                    \n\
                    ```rust\n\
                    {{#include ../listings/ch05-x/src/net.rs:read}}\n\
                    ```\n\
                    \n\
                    <span class=\"caption\">Listing 5-1: A read</span>\n\
                    ```rust\n\
                    {{#include ../listings/ch05-x/src/net.rs:write}}\n\
                    ```\n\
                    <span class=\"caption\">Listing 5-3: A write</span>\n\
                    ```console\n\
                    {{#include ../listings/ch05-x/output/run.txt}}\n\
                    ```\n";
        let lines: Vec<&str> = page.lines().collect();
        let fences = markdown::fences(page);
        let files: Vec<Option<String>> = fences.iter().map(listing_file).collect();
        assert_eq!(
            files,
            [
                Some("listings/ch05-x/src/net.rs".into()),
                Some("listings/ch05-x/src/net.rs".into()),
                None
            ]
        );
        assert!(
            caption_problems(&lines, &fences[0], "listings/ch05-x/src/net.rs", Some(5), 1)
                .is_empty()
        );
        let problems =
            caption_problems(&lines, &fences[1], "listings/ch05-x/src/net.rs", Some(5), 2);
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(problems[0].contains("Filename"));
        assert!(problems[1].contains("Listing 5-2: "));
    }
}
