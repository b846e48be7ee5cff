//! Names: SQL identifiers as Partita names, and the names Spark gives select items.

use sqlparser::ast;

/// The names a select list may qualify columns with (`t.*`, `t.col`): each FROM
/// item's alias, or a table's own name.
pub(crate) fn from_qualifiers(select: &ast::Select) -> Vec<String> {
    select
        .from
        .iter()
        .filter_map(|t| match &t.relation {
            ast::TableFactor::Table { alias: Some(a), .. }
            | ast::TableFactor::Derived { alias: Some(a), .. } => Some(ident_name(&a.name)),
            ast::TableFactor::Table { name, .. } => Some(object_name(name)),
            _ => None,
        })
        .collect()
}

/// The name Spark gives an unaliased select item (its pretty SQL): a column is its
/// name, a function call its lower-case name with its arguments named the same way
/// (`avg(x)`, `count(DISTINCT x)`; `count(*)` is `count(1)`), an operation
/// parenthesized (`(a + 1)`). pandas has no SQL, so both presets use it.
pub(crate) fn spark_name(e: &ast::Expr) -> String {
    use ast::Expr as E;
    match e {
        E::Identifier(i) => ident_name(i),
        E::CompoundIdentifier(p) => ident_name(p.last().expect("parts")),
        E::Nested(inner) => spark_name(inner),
        E::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => s.clone(),
            ast::Value::Null => "NULL".into(),
            other => other.to_string(),
        },
        E::BinaryOp { left, op, right } => {
            format!("({} {op} {})", spark_name(left), spark_name(right))
        }
        E::UnaryOp { op, expr } => format!("({op} {})", spark_name(expr)),
        E::Function(f) => {
            let name = object_name(&f.name).to_ascii_lowercase();
            let args = match &f.args {
                ast::FunctionArguments::List(l) => {
                    let distinct = matches!(
                        l.duplicate_treatment,
                        Some(ast::DuplicateTreatment::Distinct)
                    );
                    let parts: Vec<String> = l
                        .args
                        .iter()
                        .map(|a| match a {
                            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) => {
                                spark_name(x)
                            }
                            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Wildcard)
                                if name == "count" =>
                            {
                                "1".into()
                            }
                            other => other.to_string(),
                        })
                        .collect();
                    format!(
                        "{}{}",
                        if distinct { "DISTINCT " } else { "" },
                        parts.join(", ")
                    )
                }
                _ => String::new(),
            };
            format!("{name}({args})")
        }
        other => other.to_string(),
    }
}

pub(crate) fn ident_name(i: &ast::Ident) -> String {
    i.value.clone()
}

pub(crate) fn object_name(n: &ast::ObjectName) -> String {
    n.0.iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(".")
}

pub(crate) fn unquote(s: &str) -> String {
    s.trim_matches(|c| c == '\'' || c == '"' || c == '`')
        .to_string()
}

pub(crate) fn first_words(s: &str) -> String {
    s.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}
