//! CSV lines for exports (statements, the audit log, the complaint register): RFC 4180
//! quoting, and cells that a spreadsheet would run as a formula are defused.

/// One CSV line (without the line break) from its cells.
pub fn line<S: AsRef<str>>(cells: &[S]) -> String {
    cells
        .iter()
        .map(|c| cell(c.as_ref()))
        .collect::<Vec<_>>()
        .join(",")
}

fn cell(v: &str) -> String {
    let numeric = !v.is_empty() && v.parse::<f64>().is_ok();
    let defused = if !numeric && v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{v}")
    } else {
        v.to_string()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

#[cfg(test)]
mod tests {
    use super::line;

    #[test]
    fn quoting_and_formula_defusing() {
        assert_eq!(
            line(&["a", "b,c", "say \"hi\""]),
            "a,\"b,c\",\"say \"\"hi\"\"\""
        );
        assert_eq!(
            line(&["=HYPERLINK(\"x\")", "-12.50", "@SUM"]),
            "\"'=HYPERLINK(\"\"x\"\")\",-12.50,'@SUM"
        );
        assert_eq!(line(&["王女士", ""]), "王女士,");
    }
}
