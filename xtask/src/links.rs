//! Every internal link of the built book must lead somewhere: to a file that
//! exists and, when it names a `#fragment`, to an element with that id.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use crate::{Fail, html};

pub struct Report {
    pub pages: usize,
    pub links: usize,
}

pub fn check(html_dir: &Path) -> Result<Report, Fail> {
    let pages = html_pages(html_dir);
    let ids: HashMap<PathBuf, HashSet<String>> = pages
        .iter()
        .map(|(path, text)| {
            let mut ids: HashSet<String> = html::attribute_values(text, "id").into_iter().collect();
            ids.extend(html::attribute_values(text, "name"));
            (path.clone(), ids)
        })
        .collect();

    let mut problems = Vec::new();
    let mut links = 0;
    for (page, text) in &pages {
        let shown = page
            .strip_prefix(html_dir)
            .unwrap_or(page)
            .display()
            .to_string();
        for target in ["href", "src"]
            .iter()
            .flat_map(|name| html::attribute_values(text, name))
        {
            if is_external(&target) {
                continue;
            }
            links += 1;
            if let Err(problem) = resolve(html_dir, page, &target, &ids) {
                problems.push(format!("{shown}: link {target:?} {problem}"));
            }
        }
    }
    Fail::unless_empty("broken links in the built book", problems)?;
    Ok(Report {
        pages: pages.len(),
        links,
    })
}

fn is_external(target: &str) -> bool {
    ["http:", "https:", "mailto:", "javascript:", "data:", "//"]
        .iter()
        .any(|scheme| target.starts_with(scheme))
}

/// Checks one link from `page`; says what is wrong with it.
fn resolve(
    root: &Path,
    page: &Path,
    target: &str,
    ids: &HashMap<PathBuf, HashSet<String>>,
) -> Result<(), String> {
    let (path, fragment) = target.split_once('#').unwrap_or((target, ""));
    let path = path.split('?').next().unwrap_or("");
    let file = if path.is_empty() {
        page.to_path_buf()
    } else if let Some(absolute) = path.strip_prefix('/') {
        normalise(&root.join(absolute))
    } else {
        normalise(&page.parent().unwrap_or(root).join(path))
    };
    let file = if file.is_dir() {
        file.join("index.html")
    } else {
        file
    };
    if !file.is_file() {
        return Err("leads to a file that does not exist".into());
    }
    if fragment.is_empty() || file.extension().is_none_or(|ext| ext != "html") {
        return Ok(());
    }
    let fragment = percent_decode(fragment);
    match ids.get(&file) {
        Some(known) if known.contains(&fragment) => Ok(()),
        _ => Err(format!("names #{fragment}, which is not on that page")),
    }
}

/// `a/b/../c` → `a/c`, without asking the file system.
fn normalise(path: &Path) -> PathBuf {
    let mut clean = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                clean.pop();
            }
            Component::CurDir => {}
            other => clean.push(other),
        }
    }
    clean
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = text
            .get(i + 1..i + 3)
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                i += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// Every HTML file under `dir`, with its text.
fn html_pages(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut pages = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == "html") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                pages.push((path, text));
            }
        }
    }
    pages.sort();
    pages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_parent_steps() {
        assert_eq!(
            normalise(Path::new("/book/a/../b/./c.html")),
            PathBuf::from("/book/b/c.html")
        );
    }

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(percent_decode("caf%C3%A9-and-%2"), "café-and-%2");
    }

    #[test]
    fn finds_broken_files_and_fragments() {
        let root = std::env::temp_dir().join(format!("xtask-links-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        let page = root.join("a.html");
        std::fs::write(&page, "<h1 id=\"top\">a</h1>").unwrap();
        let ids = HashMap::from([(page.clone(), HashSet::from(["top".to_string()]))]);

        assert_eq!(resolve(&root, &page, "a.html#top", &ids), Ok(()));
        assert_eq!(resolve(&root, &page, "#top", &ids), Ok(()));
        assert!(
            resolve(&root, &page, "a.html#bottom", &ids)
                .unwrap_err()
                .contains("#bottom")
        );
        assert!(
            resolve(&root, &page, "b.html", &ids)
                .unwrap_err()
                .contains("does not exist")
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
