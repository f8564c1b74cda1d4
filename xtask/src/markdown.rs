//! Just enough Markdown reading for the checks: the fenced code blocks of a
//! page, and the include directives of a chapter's source.

use std::path::Path;

/// A fenced code block.
#[derive(Debug, PartialEq)]
pub struct Fence {
    /// The line of the opening fence, counting from 1.
    pub line: usize,
    /// What follows the opening fence: `rust,no_run`, `console`, or nothing.
    pub info: String,
    pub body: Vec<String>,
}

impl Fence {
    /// Does the reader see anything? In a Rust block, lines starting with
    /// `# ` (or a lone `#`) are hidden; elsewhere only blank lines are empty.
    pub fn shows_nothing(&self, rust: bool) -> bool {
        self.body.iter().all(|line| {
            let line = line.trim();
            line.is_empty() || rust && (line == "#" || line.starts_with("# "))
        })
    }
}

/// The fenced blocks of a page, in order.
pub fn fences(text: &str) -> Vec<Fence> {
    let mut found: Vec<Fence> = Vec::new();
    let mut open: Option<String> = None;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let first = trimmed.chars().next().unwrap_or(' ');
        let marker: String = trimmed
            .chars()
            .take_while(|&c| c == first && matches!(c, '`' | '~'))
            .collect();
        let is_fence = marker.chars().count() >= 3;
        match &open {
            Some(opening)
                if is_fence
                    && marker.starts_with(opening.as_str())
                    && trimmed[marker.len()..].trim().is_empty() =>
            {
                open = None;
            }
            Some(_) => {
                if let Some(fence) = found.last_mut() {
                    fence.body.push(line.to_string());
                }
            }
            None if is_fence => {
                let info = trimmed[marker.len()..].trim().to_string();
                found.push(Fence {
                    line: index + 1,
                    info,
                    body: Vec::new(),
                });
                open = Some(marker);
            }
            None => {}
        }
    }
    found
}

/// The words of an info string: `rust,no_run` → `["rust", "no_run"]`.
pub fn info_words(info: &str) -> Vec<&str> {
    info.split([',', ' ', '\t'])
        .filter(|word| !word.is_empty())
        .collect()
}

/// An `{{#include file:anchor}}` or `{{#rustdoc_include file:anchor}}`
/// naming an anchor (not a line range) in a chapter's source.
#[derive(Debug, PartialEq)]
pub struct AnchoredInclude {
    pub line: usize,
    pub file: String,
    pub anchor: String,
}

/// The anchored includes of a chapter source. mdBook expands them; this only
/// reads them, so that an anchor missing from its file — which mdBook 0.5
/// passes over in silence — can be reported.
pub fn anchored_includes(source: &str) -> Vec<AnchoredInclude> {
    let mut found = Vec::new();
    for (index, line) in source.lines().enumerate() {
        let mut rest = line;
        while let Some(start) = rest.find("{{#") {
            rest = &rest[start + 3..];
            let Some(end) = rest.find("}}") else { break };
            let directive = &rest[..end];
            rest = &rest[end..];
            let Some(target) = ["include ", "rustdoc_include "]
                .iter()
                .find_map(|name| directive.strip_prefix(name))
            else {
                continue;
            };
            let mut parts = target.trim().splitn(2, ':');
            let (Some(file), Some(anchor)) = (parts.next(), parts.next()) else {
                continue;
            };
            let is_line_range = anchor.chars().all(|c| c.is_ascii_digit() || c == ':');
            if !is_line_range {
                found.push(AnchoredInclude {
                    line: index + 1,
                    file: file.to_string(),
                    anchor: anchor.to_string(),
                });
            }
        }
    }
    found
}

/// Does `file` (relative to the chapter at `chapter`) mark `anchor`?
pub fn has_anchor(chapter: &Path, include: &AnchoredInclude) -> bool {
    let file = chapter
        .parent()
        .unwrap_or(Path::new("."))
        .join(&include.file);
    let Ok(text) = std::fs::read_to_string(file) else {
        return false;
    };
    text.lines().any(|line| {
        line.split_once("ANCHOR:")
            .is_some_and(|(_, name)| name.trim() == include.anchor)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_fences_with_their_info_and_body() {
        let page = "text\n```rust,no_run\nfn main() {}\n```\n\n````markdown\n```rust\n```\n````\n~~~\nx\n~~~\n";
        let fences = fences(page);
        let summary: Vec<(usize, &str, usize)> = fences
            .iter()
            .map(|f| (f.line, f.info.as_str(), f.body.len()))
            .collect();
        assert_eq!(
            summary,
            [(2, "rust,no_run", 1), (6, "markdown", 2), (10, "", 1)]
        );
    }

    #[test]
    fn a_block_of_hidden_lines_shows_nothing() {
        let fence = |body: &[&str]| Fence {
            line: 1,
            info: String::new(),
            body: body.iter().map(|line| line.to_string()).collect(),
        };
        assert!(fence(&["# fn main() {", "#", "# }"]).shows_nothing(true));
        assert!(!fence(&["# fn main() {", "    run();", "# }"]).shows_nothing(true));
        assert!(!fence(&["# a comment in a shell session"]).shows_nothing(false));
        assert!(fence(&["", "  "]).shows_nothing(false));
    }

    #[test]
    fn reads_anchored_includes_but_not_line_ranges() {
        let source = "```rust\n{{#rustdoc_include ../l/a.rs:accept_loop}}\n```\n\
                      {{#include ../l/b.rs:2:10}} {{#include ../l/c.txt}} {{#quiz q.toml}}\n";
        assert_eq!(
            anchored_includes(source),
            [AnchoredInclude {
                line: 2,
                file: "../l/a.rs".into(),
                anchor: "accept_loop".into()
            }]
        );
    }
}
