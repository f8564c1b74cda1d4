//! The quizzes, checked for what mdbook-quiz cannot know:
//!
//! - every Tracing ("predict the output") question's program is a binary of
//!   a listing, byte for byte, and it prints exactly the answer's stdout when
//!   a reader runs it with `cargo run`;
//! - every chapter's quiz has such a question;
//! - the right answer of a MultipleChoice question is not, by habit, its
//!   longest option: readers learn that pattern and stop reading.
//!
//! [`shim`] lets mdbook-quiz's own check of a Tracing question build the
//! listing's binary.

mod shim;
mod toml;

pub use shim::{path_for_mdbook, rustc};

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::{Fail, cmd, outputs};
use toml::{Table, Value};

/// A program of a Tracing question must finish within this.
const LIMIT: Duration = Duration::from_secs(180);

/// Above this share of MultipleChoice questions whose right answer is the
/// longest option, the check fails (STYLE.md: "the right answer is not the
/// longest one by habit").
const LONGEST_LIMIT_PERCENT: usize = 34;

pub struct Report {
    /// MultipleChoice questions whose right answer is longer than every distractor.
    pub longest: usize,
    pub multiple_choice: usize,
    pub tracing: usize,
}

impl Report {
    pub fn summary(&self) -> String {
        format!(
            "right answer longest in {} of {} MultipleChoice questions ({}%); \
             {} Tracing programs print their answers",
            self.longest,
            self.multiple_choice,
            percent(self.longest, self.multiple_choice),
            self.tracing
        )
    }
}

/// One quiz file, read.
struct Quiz {
    /// `chapters/quizzes/ch03-thread-per-connection.toml`, for messages.
    name: String,
    /// `ch03-thread-per-connection`: its chapter, and its listing's name.
    chapter: String,
    questions: Vec<Table>,
}

impl Quiz {
    fn read(root: &Path, file: &Path) -> Result<Quiz, Fail> {
        let name = relative(root, file);
        let text = std::fs::read_to_string(file)
            .map_err(|error| Fail::new(format!("cannot read {name}: {error}")))?;
        Quiz::parse(&name, &text)
    }

    fn parse(name: &str, text: &str) -> Result<Quiz, Fail> {
        let document = toml::parse(text)
            .map_err(|error| Fail::new(format!("{name}:{}: {}", error.line, error.message)))?;
        let chapter = Path::new(name)
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if let Some(key) = document.root.keys().next() {
            return Err(Fail::new(format!(
                "{name}: `{key}` stands before the first [[questions]]; this reader knows \
                 only questions"
            )));
        }
        let mut questions = Vec::new();
        for (table, question) in document.tables {
            if table != "questions" {
                return Err(Fail::new(format!(
                    "{name}:{}: a quiz has only [[questions]], not [[{table}]]",
                    question.line
                )));
            }
            questions.push(question);
        }
        Ok(Quiz {
            name: name.to_string(),
            chapter,
            questions,
        })
    }

    fn of_type<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Table> {
        self.questions
            .iter()
            .filter(move |question| question.str("type") == Some(kind))
    }

    /// `file:line` of a question, for messages.
    fn at(&self, question: &Table) -> String {
        format!("{}:{}", self.name, question.line)
    }
}

pub fn check(root: &Path) -> Result<Report, Fail> {
    let mut quizzes = Vec::new();
    for file in crate::files_with_extension(&root.join("chapters/quizzes"), "toml")? {
        quizzes.push(Quiz::read(root, &file)?);
    }
    let mut problems = Vec::new();
    problems.extend(unknown_types(&quizzes));
    problems.extend(without_tracing(&quizzes));
    let balance = balance(&quizzes);
    problems.extend(balance.problems.iter().cloned());
    if balance.longest.len() * 100 > LONGEST_LIMIT_PERCENT * balance.total {
        problems.push(format!(
            "the right answer is the longest option in {} of {} MultipleChoice questions \
             ({}%), above the limit of {LONGEST_LIMIT_PERCENT}%: readers learn to pick the \
             longest. Make some distractors as long and as specific as the answer, or the \
             answer as short as they are. Longest now:\n{}",
            balance.longest.len(),
            balance.total,
            percent(balance.longest.len(), balance.total),
            balance.longest.join("\n")
        ));
    }
    let mut tracing = 0;
    for quiz in &quizzes {
        for question in quiz.of_type("Tracing") {
            tracing += 1;
            if let Err(problem) = check_tracing(root, quiz, question) {
                problems.push(problem);
            }
        }
    }
    Fail::unless_empty("the quizzes have problems", problems)?;
    Ok(Report {
        longest: balance.longest.len(),
        multiple_choice: balance.total,
        tracing,
    })
}

fn unknown_types(quizzes: &[Quiz]) -> Vec<String> {
    let mut problems = Vec::new();
    for quiz in quizzes {
        for question in &quiz.questions {
            match question.str("type") {
                Some("MultipleChoice" | "ShortAnswer" | "Tracing") => {}
                other => problems.push(format!(
                    "{}: type {other:?} is none of mdbook-quiz's: MultipleChoice, ShortAnswer, \
                     Tracing",
                    quiz.at(question)
                )),
            }
        }
    }
    problems
}

/// Each chapter asks the reader, at least once, to predict what one of its
/// programs prints (STYLE.md).
fn without_tracing(quizzes: &[Quiz]) -> Vec<String> {
    quizzes
        .iter()
        .filter(|quiz| quiz.of_type("Tracing").next().is_none())
        .map(|quiz| {
            format!(
                "{} has no Tracing question: every chapter's quiz asks the reader to predict \
                 what a program of its listing prints",
                quiz.name
            )
        })
        .collect()
}

struct Balance {
    /// `file:line: prompt` of each question whose answer is the longest option.
    longest: Vec<String>,
    /// MultipleChoice questions counted.
    total: usize,
    problems: Vec<String>,
}

/// How many MultipleChoice questions have a right answer longer, in
/// characters, than every distractor.
fn balance(quizzes: &[Quiz]) -> Balance {
    let mut balance = Balance {
        longest: Vec::new(),
        total: 0,
        problems: Vec::new(),
    };
    for quiz in quizzes {
        for question in quiz.of_type("MultipleChoice") {
            let answers = strings(question.get("answer.answer"));
            let distractors = strings(question.get("prompt.distractors"));
            let (Some(answers), Some(distractors)) = (answers, distractors) else {
                balance.problems.push(format!(
                    "{}: a MultipleChoice question needs `answer.answer` (a string, or an \
                     array of them) and `prompt.distractors` (an array of strings)",
                    quiz.at(question)
                ));
                continue;
            };
            balance.total += 1;
            let length = |text: &str| text.chars().count();
            let answer = answers.iter().map(|a| length(a)).max().unwrap_or(0);
            let distractor = distractors.iter().map(|d| length(d)).max().unwrap_or(0);
            if answer > distractor {
                let prompt = question.str("prompt.prompt").unwrap_or("");
                balance.longest.push(format!(
                    "{}: {} (answer {answer} characters, longest distractor {distractor})",
                    quiz.at(question),
                    shorten(prompt, 60)
                ));
            }
        }
    }
    balance
}

/// A string, or an array of strings, as a list.
fn strings(value: Option<&Value>) -> Option<Vec<&str>> {
    match value? {
        Value::Str(text) => Some(vec![text.as_str()]),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::Str(text) => Some(text.as_str()),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

/// The listing binary a Tracing question shows, run as a reader would.
fn check_tracing(root: &Path, quiz: &Quiz, question: &Table) -> Result<(), String> {
    let at = quiz.at(question);
    let Some(program) = question.str("prompt.program") else {
        return Err(format!("{at}: a Tracing question needs `prompt.program`"));
    };
    let Some(bin) = find_program(root, program) else {
        let closest = closest_program(root, &quiz.chapter, program)
            .map(|hint| format!("; {hint}"))
            .unwrap_or_default();
        return Err(format!(
            "{at}: the program of a Tracing question must be a listing's file, \
             listings/{}/src/bin/NAME.rs, exactly as it is (less its `// ANCHOR` lines); \
             no listing binary has this text{closest}",
            quiz.chapter
        ));
    };
    if bin.listing != quiz.chapter {
        return Err(format!(
            "{at}: the program is {}, a binary of another chapter's listing",
            relative(root, &bin.file)
        ));
    }
    match question.bool("answer.doesCompile") {
        Some(true) => {}
        Some(false) => {
            return Err(format!(
                "{at}: `answer.doesCompile = false` cannot hold for {}: every listing binary \
                 must compile (clippy builds them all)",
                relative(root, &bin.file)
            ));
        }
        None => return Err(format!("{at}: `answer.doesCompile` must be true or false")),
    }
    let Some(expected) = question.str("answer.stdout") else {
        return Err(format!("{at}: `answer.stdout` is missing"));
    };
    let shown = format!("cargo run -p {} --bin {}", bin.listing, bin.name);
    println!("  {shown}");
    let mut run = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    run.current_dir(root)
        .env("CARGO_TERM_COLOR", "never")
        .args(["run", "--quiet", "-p", &bin.listing, "--bin", &bin.name]);
    let finished = cmd::capture(&mut run, LIMIT).map_err(|fail| format!("{at}: {fail}"))?;
    if !finished.success() {
        return Err(format!(
            "{at}: `{shown}` failed ({}):\n{}",
            finished.describe(),
            finished.stderr.trim_end()
        ));
    }
    let printed = outputs::tidy(&finished.stdout);
    let answer = outputs::tidy(expected);
    if printed == answer {
        Ok(())
    } else {
        let line = first_different_line(&answer, &printed);
        Err(format!(
            "{at}: `answer.stdout` is not what `{shown}` prints (from line {line} of its \
             output on).\nanswer.stdout:\n{}\nthe program printed:\n{}",
            indent(&answer),
            indent(&printed)
        ))
    }
}

/// A binary of a listing: `cargo run -p LISTING --bin NAME`.
#[derive(Debug, PartialEq, Eq)]
struct Bin {
    listing: String,
    name: String,
    file: PathBuf,
}

/// The listing binary whose text, without its anchor lines, is `program`.
fn find_program(root: &Path, program: &str) -> Option<Bin> {
    let listings = crate::listings(root).ok()?;
    for listing in listings {
        let bins = crate::files_with_extension(&listing.join("src/bin"), "rs").unwrap_or_default();
        for file in bins {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            if same_text(&without_anchors(&text), program) {
                let name = |path: &Path, stem: bool| {
                    let part = if stem {
                        path.file_stem()
                    } else {
                        path.file_name()
                    };
                    part.unwrap_or_default().to_string_lossy().into_owned()
                };
                return Some(Bin {
                    listing: name(&listing, false),
                    name: name(&file, true),
                    file,
                });
            }
        }
    }
    None
}

/// The chapter's binary that the program is most like, and where they part:
/// a listing edited after its quiz was written.
fn closest_program(root: &Path, chapter: &str, program: &str) -> Option<String> {
    let bins =
        crate::files_with_extension(&root.join("listings").join(chapter).join("src/bin"), "rs")
            .unwrap_or_default();
    bins.into_iter()
        .map(|file| {
            let text = without_anchors(&std::fs::read_to_string(&file).unwrap_or_default());
            let line = first_different_line(&text, program);
            let file_line = text
                .lines()
                .nth(line - 1)
                .unwrap_or("(the end)")
                .to_string();
            (line, file, file_line)
        })
        .max_by_key(|(line, _, _)| *line)
        .filter(|(line, _, _)| *line > 1)
        .map(|(line, file, file_line)| {
            let quiz_line = program.lines().nth(line - 1).unwrap_or("(the end)");
            format!(
                "the closest is {}, which differs at line {line}:\n  file: {}\n  quiz: {}",
                relative(root, &file),
                file_line.trim(),
                quiz_line.trim()
            )
        })
}

/// The first line (counting from 1) where two texts differ.
fn first_different_line(a: &str, b: &str) -> usize {
    let (a, b): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    (0..a.len().max(b.len()))
        .find(|&i| a.get(i) != b.get(i))
        .unwrap_or(a.len().max(b.len()))
        + 1
}

/// The text a reader sees of a file shown whole: mdBook drops the lines that
/// mark anchors.
fn without_anchors(text: &str) -> String {
    text.lines()
        .filter(|line| {
            let line = line.trim_start();
            !(line.starts_with("// ANCHOR:") || line.starts_with("// ANCHOR_END:"))
        })
        .map(|line| format!("{line}\n"))
        .collect()
}

/// Equal, but for the newlines at the very end.
fn same_text(a: &str, b: &str) -> bool {
    a.trim_end_matches('\n') == b.trim_end_matches('\n')
}

fn percent(part: usize, whole: usize) -> usize {
    (part * 100 + whole / 2).checked_div(whole).unwrap_or(0)
}

fn shorten(text: &str, chars: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= chars {
        text
    } else {
        format!("{}…", text.chars().take(chars).collect::<String>())
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|line| format!("    | {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn relative(root: &Path, file: &Path) -> String {
    file.strip_prefix(root)
        .unwrap_or(file)
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quiz(chapter: &str, text: &str) -> Quiz {
        Quiz::parse(&format!("chapters/quizzes/{chapter}.toml"), text).expect("parses")
    }

    const BALANCED: &str = r#"
[[questions]]
type = "MultipleChoice"
prompt.prompt = "Short right answer?"
prompt.distractors = ["a longer wrong one", "short"]
answer.answer = "right"
id = "1"

[[questions]]
type = "MultipleChoice"
prompt.prompt = "As long as the longest distractor?"
prompt.distractors = ["12345", "1"]
answer.answer = "abcde"
id = "2"

[[questions]]
type = "MultipleChoice"
prompt.prompt = "Longest right answer?"
prompt.distractors = ["no", "nope"]
answer.answer = "the one that is longest"
id = "3"

[[questions]]
type = "Tracing"
prompt.program = '''
fn main() {}
'''
answer.doesCompile = true
answer.stdout = ""
id = "4"
"#;

    #[test]
    fn counts_answers_strictly_longer_than_every_distractor() {
        let balance = balance(&[quiz("ch01-a", BALANCED)]);
        assert_eq!(balance.total, 3);
        assert_eq!(balance.longest.len(), 1, "{:?}", balance.longest);
        assert!(
            balance.longest[0].starts_with("chapters/quizzes/ch01-a.toml:16: Longest right"),
            "{}",
            balance.longest[0]
        );
        assert!(balance.problems.is_empty());
    }

    #[test]
    fn a_multiple_choice_question_without_distractors_is_a_problem() {
        let broken = quiz(
            "ch01-a",
            "[[questions]]\ntype = \"MultipleChoice\"\nanswer.answer = \"x\"\n",
        );
        let balance = balance(&[broken]);
        assert_eq!(balance.total, 0);
        assert_eq!(balance.problems.len(), 1);
        assert!(balance.problems[0].starts_with("chapters/quizzes/ch01-a.toml:1:"));
    }

    #[test]
    fn finds_chapters_without_a_tracing_question() {
        let without = quiz(
            "ch02-b",
            "[[questions]]\ntype = \"MultipleChoice\"\nprompt.distractors = [\"x\"]\n\
             answer.answer = \"y\"\n",
        );
        let problems = without_tracing(&[quiz("ch01-a", BALANCED), without]);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with("chapters/quizzes/ch02-b.toml has no Tracing question"));
    }

    #[test]
    fn rejects_unknown_question_types() {
        let odd = quiz("ch01-a", "[[questions]]\ntype = \"Essay\"\n");
        assert_eq!(unknown_types(&[odd]).len(), 1);
        assert!(unknown_types(&[quiz("ch01-a", BALANCED)]).is_empty());
    }

    #[test]
    fn finds_a_program_among_the_listing_binaries_without_its_anchors() {
        let root = std::env::temp_dir().join(format!("xtask-quiz-{}", std::process::id()));
        let bin_dir = root.join("listings/ch09-demo/src/bin");
        std::fs::create_dir_all(&bin_dir).expect("scratch listing");
        std::fs::write(root.join("listings/ch09-demo/Cargo.toml"), "").expect("manifest");
        std::fs::write(
            bin_dir.join("predict.rs"),
            "// ANCHOR: all\nfn main() {\n    println!(\"hi\");\n}\n// ANCHOR_END: all\n",
        )
        .expect("binary");
        let found = find_program(&root, "fn main() {\n    println!(\"hi\");\n}\n");
        let edited = "fn main() {\n    println!(\"ho\");\n}\n";
        let missing = find_program(&root, edited);
        let hint = closest_program(&root, "ch09-demo", edited);
        let _ = std::fs::remove_dir_all(&root);
        let found = found.expect("the program is the listing's binary");
        assert_eq!(found.listing, "ch09-demo");
        assert_eq!(found.name, "predict");
        assert_eq!(missing, None);
        let hint = hint.expect("the edited program is like the binary");
        assert!(
            hint.starts_with(
                "the closest is listings/ch09-demo/src/bin/predict.rs, which differs at line 2"
            ),
            "{hint}"
        );
        assert!(hint.ends_with("quiz: println!(\"ho\");"), "{hint}");
    }

    #[test]
    fn says_where_two_texts_part() {
        assert_eq!(first_different_line("a\nb\nc\n", "a\nb\nd\n"), 3);
        assert_eq!(first_different_line("a\n", "a\nb\n"), 2);
        assert_eq!(first_different_line("x\n", "y\n"), 1);
    }

    #[test]
    fn the_report_says_how_often_the_answer_is_longest() {
        let report = Report {
            longest: 5,
            multiple_choice: 24,
            tracing: 5,
        };
        assert!(
            report
                .summary()
                .starts_with("right answer longest in 5 of 24 MultipleChoice questions (21%)")
        );
        assert_eq!(percent(0, 0), 0);
    }

    /// The reader copes with every quiz the book has.
    #[test]
    fn reads_the_books_quizzes() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("repository");
        let files = crate::files_with_extension(&root.join("chapters/quizzes"), "toml")
            .expect("quiz files");
        assert!(!files.is_empty());
        for file in files {
            let quiz = Quiz::read(root, &file).unwrap_or_else(|fail| panic!("{fail}"));
            assert!(!quiz.questions.is_empty(), "{}", quiz.name);
            for question in &quiz.questions {
                assert!(question.str("id").is_some(), "{}", quiz.at(question));
            }
        }
    }
}
