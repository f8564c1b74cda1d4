//! A tiny `--name value` command-line parser, enough for the measurements.

use std::str::FromStr;

/// The `--name value` pairs of the command line.
pub struct Args {
    pairs: Vec<(String, String)>,
}

impl Args {
    /// Parses `args` (without the program name), accepting only `known` names.
    pub fn parse(
        args: impl IntoIterator<Item = String>,
        known: &[&str],
    ) -> Result<Args, String> {
        let mut pairs = Vec::new();
        let mut args = args.into_iter();
        while let Some(flag) = args.next() {
            let name =
                flag.strip_prefix("--").filter(|name| known.contains(name));
            let name = name.ok_or_else(|| {
                format!(
                    "unknown argument `{flag}`; expected one of --{}",
                    known.join(", --")
                )
            })?;
            let value = args
                .next()
                .ok_or_else(|| format!("`{flag}` needs a value"))?;
            pairs.push((name.to_string(), value));
        }
        Ok(Args { pairs })
    }

    /// The value of `--name`, or `default` if it was not given.
    pub fn get<T: FromStr>(&self, name: &str, default: T) -> Result<T, String> {
        Ok(self.get_opt(name)?.unwrap_or(default))
    }

    /// The value of `--name`, if it was given.
    pub fn get_opt<T: FromStr>(&self, name: &str) -> Result<Option<T>, String> {
        match self.pairs.iter().rev().find(|(n, _)| n == name) {
            None => Ok(None),
            Some((_, value)) => value
                .parse()
                .map(Some)
                .map_err(|_| format!("bad value `{value}` for --{name}")),
        }
    }
}
