//! A tiny `--name value` flag parser, so the binaries need no dependencies.

use std::str::FromStr;

/// Parsed `--name value` pairs.
pub struct Args {
    pairs: Vec<(String, String)>,
}

impl Args {
    /// Parses `args` (without the program name), accepting only `known` flags.
    pub fn parse(
        args: impl IntoIterator<Item = String>,
        known: &[&str],
    ) -> Result<Self, String> {
        let mut pairs = Vec::new();
        let mut args = args.into_iter();
        while let Some(flag) = args.next() {
            let name = flag
                .strip_prefix("--")
                .filter(|name| known.contains(name))
                .ok_or_else(|| {
                    format!(
                        "unknown argument {flag:?}; flags: --{}",
                        known.join(" --")
                    )
                })?;
            let value =
                args.next().ok_or_else(|| format!("{flag} needs a value"))?;
            pairs.push((name.to_string(), value));
        }
        Ok(Args { pairs })
    }

    /// Parses the program's own arguments.
    pub fn from_env(known: &[&str]) -> Result<Self, String> {
        Self::parse(std::env::args().skip(1), known)
    }

    /// The value of `--name`, if given.
    pub fn get<T: FromStr>(&self, name: &str) -> Result<Option<T>, String> {
        self.pairs
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, value)| {
                value
                    .parse()
                    .map_err(|_| format!("--{name}: cannot parse {value:?}"))
            })
            .transpose()
    }

    /// The value of `--name`, or `default`.
    pub fn get_or<T: FromStr>(
        &self,
        name: &str,
        default: T,
    ) -> Result<T, String> {
        Ok(self.get(name)?.unwrap_or(default))
    }
}
