//! A reader for the part of TOML the quiz files use, and nothing more:
//! `[[array]]` tables, dotted bare keys, strings in all four forms (basic,
//! multi-line basic, literal, multi-line literal), arrays of strings,
//! booleans and integers, and comments. Anything else is an error with its
//! line number, never a guess: a value this reader got wrong would make the
//! quiz check compare the wrong text.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Str(String),
    Bool(bool),
    Int(i64),
    Array(Vec<Value>),
}

/// One table: its keys as written (`prompt.program`), in file order.
#[derive(Debug, Default)]
pub struct Table {
    /// The line of its `[[name]]` header (0 for the root table).
    pub line: usize,
    entries: Vec<(String, Value)>,
}

impl Table {
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value)
    }

    pub fn str(&self, key: &str) -> Option<&str> {
        match self.get(key)? {
            Value::Str(text) => Some(text),
            _ => None,
        }
    }

    /// Its keys, in file order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(key, _)| key.as_str())
    }

    pub fn bool(&self, key: &str) -> Option<bool> {
        match self.get(key)? {
            Value::Bool(value) => Some(*value),
            _ => None,
        }
    }
}

/// A document: its root table and every `[[name]]` table, in file order.
#[derive(Debug, Default)]
pub struct Document {
    pub root: Table,
    pub tables: Vec<(String, Table)>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Error {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

pub fn parse(text: &str) -> Result<Document, Error> {
    Parser {
        chars: text.chars().collect(),
        at: 0,
        line: 1,
    }
    .document()
}

struct Parser {
    chars: Vec<char>,
    at: usize,
    line: usize,
}

impl Parser {
    fn error<T>(&self, message: impl Into<String>) -> Result<T, Error> {
        Err(Error {
            line: self.line,
            message: message.into(),
        })
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn starts_with(&self, text: &str) -> bool {
        text.chars()
            .enumerate()
            .all(|(i, c)| self.chars.get(self.at + i) == Some(&c))
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn skip(&mut self, count: usize) {
        for _ in 0..count {
            self.bump();
        }
    }

    /// Spaces and tabs only.
    fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.bump();
        }
    }

    /// A comment, if one starts here, up to (not including) the newline.
    fn skip_comment(&mut self) {
        if self.peek() == Some('#') {
            while !matches!(self.peek(), None | Some('\n')) {
                self.bump();
            }
        }
    }

    /// After a header or a value: blanks, a comment, then the line's end.
    fn end_of_line(&mut self) -> Result<(), Error> {
        self.skip_blanks();
        self.skip_comment();
        match self.peek() {
            None => Ok(()),
            Some('\n') => {
                self.bump();
                Ok(())
            }
            Some('\r') if self.chars.get(self.at + 1) == Some(&'\n') => {
                self.skip(2);
                Ok(())
            }
            Some(c) => self.error(format!("unexpected {c:?} after the value")),
        }
    }

    fn document(mut self) -> Result<Document, Error> {
        let mut document = Document::default();
        loop {
            self.skip_blanks();
            match self.peek() {
                None => return Ok(document),
                Some('\n' | '\r' | '#') => self.end_of_line()?,
                Some('[') if self.starts_with("[[") => {
                    let line = self.line;
                    self.skip(2);
                    self.skip_blanks();
                    let name = self.key()?;
                    self.skip_blanks();
                    if !self.starts_with("]]") {
                        return self.error("expected `]]` after the table name");
                    }
                    self.skip(2);
                    self.end_of_line()?;
                    let table = Table {
                        line,
                        entries: Vec::new(),
                    };
                    document.tables.push((name, table));
                }
                Some('[') => return self.error("only `[[array]]` tables are supported"),
                Some(_) => {
                    let key = self.key()?;
                    self.skip_blanks();
                    if self.bump() != Some('=') {
                        return self.error(format!("expected `=` after the key `{key}`"));
                    }
                    self.skip_blanks();
                    let value = self.value()?;
                    self.end_of_line()?;
                    let table = match document.tables.last_mut() {
                        Some((_, table)) => table,
                        None => &mut document.root,
                    };
                    if table.get(&key).is_some() {
                        return self.error(format!("the key `{key}` is defined twice"));
                    }
                    table.entries.push((key, value));
                }
            }
        }
    }

    /// Bare keys joined by dots: `prompt.program`.
    fn key(&mut self) -> Result<String, Error> {
        let mut parts = Vec::new();
        loop {
            let mut part = String::new();
            while let Some(c) = self
                .peek()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
            {
                part.push(c);
                self.bump();
            }
            if part.is_empty() {
                return match self.peek() {
                    Some('"' | '\'') => self.error("quoted keys are not supported"),
                    _ => self.error("expected a key"),
                };
            }
            parts.push(part);
            self.skip_blanks();
            if self.peek() != Some('.') {
                return Ok(parts.join("."));
            }
            self.bump();
            self.skip_blanks();
        }
    }

    fn value(&mut self) -> Result<Value, Error> {
        match self.peek() {
            Some('"' | '\'') => self.string().map(Value::Str),
            Some('[') => self.array(),
            Some('t') if self.starts_with("true") => {
                self.skip(4);
                Ok(Value::Bool(true))
            }
            Some('f') if self.starts_with("false") => {
                self.skip(5);
                Ok(Value::Bool(false))
            }
            Some(c) if c.is_ascii_digit() || c == '-' || c == '+' => {
                let mut word = String::new();
                while let Some(c) = self
                    .peek()
                    .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '.' | '_'))
                {
                    word.push(c);
                    self.bump();
                }
                match word.parse() {
                    Ok(number) => Ok(Value::Int(number)),
                    Err(_) => self.error(format!("{word:?} is not a supported number")),
                }
            }
            _ => self.error("expected a value: a string, an array, a boolean or an integer"),
        }
    }

    /// `[ "a", "b", ]`, over as many lines as it likes, with comments.
    fn array(&mut self) -> Result<Value, Error> {
        self.bump(); // [
        let mut items = Vec::new();
        loop {
            self.skip_space_and_comments();
            if self.peek() == Some(']') {
                self.bump();
                return Ok(Value::Array(items));
            }
            items.push(self.value()?);
            self.skip_space_and_comments();
            match self.bump() {
                Some(',') => {}
                Some(']') => return Ok(Value::Array(items)),
                _ => return self.error("expected `,` or `]` in an array"),
            }
        }
    }

    fn skip_space_and_comments(&mut self) {
        loop {
            self.skip_comment();
            match self.peek() {
                Some(' ' | '\t' | '\n' | '\r') => {
                    self.bump();
                }
                _ => return,
            }
        }
    }

    fn string(&mut self) -> Result<String, Error> {
        let start = self.line;
        let quote = self.peek().unwrap_or('"');
        let triple: String = [quote; 3].iter().collect();
        let multi_line = self.starts_with(&triple);
        if multi_line {
            self.skip(3);
            // A newline right after the opening quotes is not part of it.
            if self.starts_with("\r\n") {
                self.skip(2);
            } else if self.peek() == Some('\n') {
                self.bump();
            }
        } else {
            self.bump();
        }
        let mut text = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(Error {
                    line: start,
                    message: "a string that starts on this line is never closed".into(),
                });
            };
            if multi_line && self.starts_with(&triple) {
                // Up to two more quotes before the closing three are content.
                let mut run = 0;
                while self.chars.get(self.at + run) == Some(&quote) {
                    run += 1;
                }
                if run > 5 {
                    return self.error("too many quotes in a row in a multi-line string");
                }
                for _ in 0..run - 3 {
                    text.push(quote);
                }
                self.skip(run);
                return Ok(text);
            }
            if !multi_line && c == quote {
                self.bump();
                return Ok(text);
            }
            if !multi_line && c == '\n' {
                return self.error("a single-line string runs past the end of its line");
            }
            if quote == '"' && c == '\\' {
                self.bump();
                self.escape(multi_line, &mut text)?;
                continue;
            }
            if c.is_control() && !matches!(c, '\t' | '\n' | '\r') {
                return self.error(format!("control character {c:?} in a string"));
            }
            text.push(c);
            self.bump();
        }
    }

    /// After a backslash in a basic string.
    fn escape(&mut self, multi_line: bool, text: &mut String) -> Result<(), Error> {
        let Some(c) = self.bump() else {
            return self.error("a backslash at the end of the file");
        };
        let simple = match c {
            'b' => Some('\u{8}'),
            't' => Some('\t'),
            'n' => Some('\n'),
            'f' => Some('\u{c}'),
            'r' => Some('\r'),
            'e' => Some('\u{1b}'),
            '"' => Some('"'),
            '\\' => Some('\\'),
            _ => None,
        };
        if let Some(simple) = simple {
            text.push(simple);
            return Ok(());
        }
        match c {
            'u' | 'U' => {
                let digits = if c == 'u' { 4 } else { 8 };
                let hex: String = (0..digits).filter_map(|_| self.bump()).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(decoded) if hex.len() == digits => {
                        text.push(decoded);
                        Ok(())
                    }
                    _ => self.error(format!("\\{c}{hex} is not a character")),
                }
            }
            // A line-ending backslash: the newline and the white space
            // after it are not part of the string.
            ' ' | '\t' | '\r' | '\n' if multi_line => {
                let mut newline = c == '\n';
                while let Some(next) = self.peek().filter(|c| c.is_whitespace()) {
                    newline |= next == '\n';
                    self.bump();
                }
                if newline {
                    Ok(())
                } else {
                    self.error("a backslash followed by spaces but no line end")
                }
            }
            _ => self.error(format!("unknown escape \\{c}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Value {
        let document = parse(&format!("key = {text}\n")).expect("parses");
        document.root.get("key").expect("has the key").clone()
    }

    fn string(text: &str) -> String {
        match one(text) {
            Value::Str(text) => text,
            other => panic!("not a string: {other:?}"),
        }
    }

    #[test]
    fn reads_array_tables_with_dotted_keys() {
        let document = parse(
            "# a quiz\n\n[[questions]]\ntype = \"MultipleChoice\"\nprompt.prompt = \"Why?\" # asked\n\
             prompt.distractors = [\n  \"a\", # first\n  \"b\",\n]\nanswer.answer = \"c\"\n\n\
             [[questions]]\ntype = \"Tracing\"\nanswer.doesCompile = true\nanswer.line = 12\n",
        )
        .expect("parses");
        let questions: Vec<&Table> = document
            .tables
            .iter()
            .filter(|(name, _)| name == "questions")
            .map(|(_, table)| table)
            .collect();
        assert_eq!(questions.len(), 2);
        assert_eq!(questions[0].line, 3);
        assert_eq!(questions[0].str("prompt.prompt"), Some("Why?"));
        assert_eq!(
            questions[0].get("prompt.distractors"),
            Some(&Value::Array(vec![
                Value::Str("a".into()),
                Value::Str("b".into())
            ]))
        );
        assert_eq!(questions[1].bool("answer.doesCompile"), Some(true));
        assert_eq!(questions[1].get("answer.line"), Some(&Value::Int(12)));
        assert_eq!(questions[1].line, 12);
    }

    #[test]
    fn reads_the_four_kinds_of_string() {
        assert_eq!(string(r#""say \"hi\"\t\u00e9\\""#), "say \"hi\"\t\u{e9}\\");
        assert_eq!(string(r"'C:\path\n'"), r"C:\path\n");
        assert_eq!(
            string("\"\"\"\nline 1\nline \"2\"\n\"\"\""),
            "line 1\nline \"2\"\n"
        );
        assert_eq!(string("\"\"\"one \\\n    two\"\"\""), "one two");
        assert_eq!(string("\"\"\"ends in a quote\"\"\"\""), "ends in a quote\"");
        assert_eq!(
            string("'''\nfn main() {\n    println!(\"{}\\n\", 'x');\n}\n'''"),
            "fn main() {\n    println!(\"{}\\n\", 'x');\n}\n"
        );
    }

    #[test]
    fn refuses_what_it_does_not_support() {
        let error = |text: &str| parse(text).expect_err(text).message;
        assert!(error("[table]\n").contains("only `[[array]]`"));
        assert!(error("\"quoted\" = 1\n").contains("quoted keys"));
        assert!(error("a = 1.5\n").contains("not a supported number"));
        assert!(error("a = \"x\" b\n").contains("unexpected"));
        assert!(error("a = \"\\q\"\n").contains("unknown escape"));
        assert!(error("a = {}\n").contains("expected a value"));
        assert!(error("a = \"x\"\na = \"y\"\n").contains("defined twice"));
        let unclosed = parse("a = 1\nb = \"\"\"never\nclosed\n").unwrap_err();
        assert_eq!(unclosed.line, 2);
        assert!(unclosed.message.contains("never closed"));
        assert!(error("a = \"runs\npast\"\n").contains("past the end of its line"));
    }
}
