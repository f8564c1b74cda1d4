//! Just enough HTML reading for the checks: attribute values, an element's
//! inside, the visible text. mdBook and Chromium write regular HTML, and the
//! checks only ever look for things they know are there.

/// Every value of attribute `name` in `document`, entities decoded.
pub fn attribute_values(document: &str, name: &str) -> Vec<String> {
    let mut values = Vec::new();
    let pattern = format!(" {name}=\"");
    let mut rest = document;
    while let Some(at) = rest.find(&pattern) {
        rest = &rest[at + pattern.len()..];
        let Some(end) = rest.find('"') else { break };
        values.push(decode_entities(&rest[..end]));
        rest = &rest[end..];
    }
    values
}

/// The opening tag (`<html lang="en" class="light">`) of the first element
/// whose opening tag contains `marker`.
pub fn element_open_tag<'a>(document: &'a str, marker: &str) -> Option<&'a str> {
    let at = document.find(marker)?;
    let start = document[..=at].rfind('<')?;
    let end = at + document[at..].find('>')?;
    Some(&document[start..=end])
}

/// What stands between the opening tag containing `marker` and the next
/// closing tag of the same name (elements of the same name nested inside are
/// not looked for; the checks never need them).
pub fn element_inner<'a>(document: &'a str, marker: &str) -> Option<&'a str> {
    let open = element_open_tag(document, marker)?;
    let name: String = open[1..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let start = document.find(open)? + open.len();
    let end = start + document[start..].find(&format!("</{name}"))?;
    Some(&document[start..end])
}

/// The text a reader sees: tags, scripts and styles removed, entities decoded,
/// white space collapsed.
pub fn visible_text(document: &str) -> String {
    let mut text = String::with_capacity(document.len() / 2);
    let mut rest = document;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        rest = &rest[open..];
        let skipped_to = ["script", "style"].iter().find_map(|tag| {
            let opens = rest.len() > tag.len() && rest[1..].starts_with(tag);
            opens.then(|| {
                rest.find(&format!("</{tag}>"))
                    .map(|end| end + tag.len() + 3)
            })
        });
        let end = match skipped_to {
            Some(Some(end)) => end,
            _ => rest.find('>').map_or(rest.len(), |end| end + 1),
        };
        text.push(' ');
        rest = &rest[end..];
    }
    text.push_str(rest);
    collapse_whitespace(&decode_entities(&text))
}

/// White space collapsed and typographic quotes made plain, so that text
/// written in Markdown compares equal to the same text as a browser shows it
/// (renderers turn `'` into `’`).
pub fn collapse_whitespace(text: &str) -> String {
    let plain: String = text
        .chars()
        .map(|c| match c {
            '‘' | '’' => '\'',
            '“' | '”' => '"',
            other => other,
        })
        .collect();
    plain.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn decode_entities(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// The JSON string whose contents start at `text` (just after its opening
/// quote), unescaped; `None` if it never ends.
pub fn json_string_at(text: &str) -> Option<String> {
    let mut value = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(value),
            '\\' => match chars.next()? {
                'n' | 'r' | 't' => value.push(' '),
                'u' => {
                    let code: String = chars.by_ref().take(4).collect();
                    value.push(char::from_u32(u32::from_str_radix(&code, 16).ok()?)?);
                }
                other => value.push(other),
            },
            c => value.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_attributes_and_decodes_them() {
        let page = r#"<a href="x.html#a">x</a><a href="y.html?q=&quot;z&quot;">y</a>"#;
        assert_eq!(
            attribute_values(page, "href"),
            ["x.html#a", "y.html?q=\"z\""]
        );
    }

    #[test]
    fn finds_an_element_by_its_opening_tag() {
        let page = r#"<ul id="results"><li>a</li><li>b</li></ul><ul id="other"></ul>"#;
        assert_eq!(
            element_inner(page, "id=\"results\""),
            Some("<li>a</li><li>b</li>")
        );
        assert_eq!(
            element_open_tag(page, "id=\"other\""),
            Some("<ul id=\"other\">")
        );
    }

    #[test]
    fn visible_text_leaves_out_markup_scripts_and_styles() {
        let page = "<p>What does <code>VmRSS</code>\n count?</p><script>var x = '<p>';</script>\
                    <style>p { }</style><p>a &amp; b</p>";
        assert_eq!(visible_text(page), "What does VmRSS count? a & b");
        assert_eq!(
            visible_text("<p>the process’s “stack”</p>"),
            "the process's \"stack\""
        );
    }

    #[test]
    fn unescapes_json_strings() {
        assert_eq!(
            json_string_at(r#"a \"b\" \u00e9c", "next""#).as_deref(),
            Some("a \"b\" éc")
        );
        assert_eq!(json_string_at("never ends"), None);
    }
}
