//! A tiny `--name value` flag parser, so the measuring binaries need no
//! dependencies.

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

    /// The value of `--name`, if given (the last one, if given twice).
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

#[cfg(test)]
mod tests {
    use super::Args;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn values_and_defaults() {
        let known = ["threads", "rounds"];
        let parsed = Args::parse(args(&["--threads", "5000"]), &known).unwrap();
        assert_eq!(parsed.get_or("threads", 1).unwrap(), 5000);
        assert_eq!(parsed.get_or("rounds", 7).unwrap(), 7);
        assert_eq!(parsed.get::<u32>("rounds").unwrap(), None);
        let twice = args(&["--rounds", "1", "--rounds", "2"]);
        let parsed = Args::parse(twice, &known).unwrap();
        assert_eq!(parsed.get::<u32>("rounds").unwrap(), Some(2));
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(Args::parse(args(&["--nope", "1"]), &["threads"]).is_err());
        assert!(Args::parse(args(&["--threads"]), &["threads"]).is_err());
        let parsed =
            Args::parse(args(&["--threads", "many"]), &["threads"]).unwrap();
        assert!(parsed.get_or("threads", 1usize).is_err());
    }
}
