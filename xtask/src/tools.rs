//! The book's pinned tools, installed with `cargo install --locked` only when
//! the installed version is not the pinned one.

use std::process::Command;
use std::time::Duration;

use crate::{Fail, cmd};

pub struct Tool {
    /// The crate, which is also the name of the binary.
    pub name: &'static str,
    pub version: &'static str,
}

/// Change a version here and every machine picks it up at its next
/// `cargo xtask serve` or `cargo xtask test`.
pub const PINNED: [Tool; 3] = [
    Tool {
        name: "mdbook",
        version: "0.5.4",
    },
    Tool {
        name: "mdbook-mermaid",
        version: "0.17.1",
    },
    Tool {
        name: "mdbook-quiz",
        version: "0.5.0",
    },
];

const INSTALL_LIMIT: Duration = Duration::from_secs(20 * 60);

/// Makes sure every pinned tool is installed at its pinned version.
pub fn ensure_pinned() -> Result<(), Fail> {
    for tool in &PINNED {
        match installed_version(tool.name) {
            Some(version) if version == tool.version => {}
            found => {
                let found = found.map_or("not installed".to_string(), |v| format!("version {v}"));
                println!("{} is {found}; installing {}", tool.name, tool.version);
                let mut install = Command::new("cargo");
                install.args(["install", "--locked", tool.name, "--version", tool.version]);
                cmd::stream(&mut install, INSTALL_LIMIT)?;
            }
        }
    }
    Ok(())
}

/// The version `NAME --version` reports (`mdbook v0.5.4` → `0.5.4`).
fn installed_version(name: &str) -> Option<String> {
    let output = Command::new(name).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    parse_version(&text)
}

fn parse_version(text: &str) -> Option<String> {
    let word = text.split_whitespace().last()?;
    Some(word.trim_start_matches('v').to_string())
}

#[cfg(test)]
mod tests {
    use super::parse_version;

    #[test]
    fn reads_the_versions_the_tools_print() {
        assert_eq!(parse_version("mdbook v0.5.4\n").as_deref(), Some("0.5.4"));
        assert_eq!(
            parse_version("mdbook-mermaid 0.17.1\n").as_deref(),
            Some("0.17.1")
        );
        assert_eq!(parse_version(""), None);
    }
}
