//! The kinds of parameter and how each validates, stores and prints a value.
//!
//! Owns the generic behaviour behind the table rows: yes/no flags, integers (plain,
//! memory, memory-or-percent, octal) with Redis's range checks and error texts, enums,
//! multi-flag enums, strings with optional checks, and the hook for parameters with
//! their own syntax (`special.rs`). Values live either in a typed `Config` field
//! (`Slot::Field`) or, already validated, as printed text in `Config::other`.

use super::special::SetContext;
use super::table::value_name;
use super::value::{c_strtoll, memtoull, parse_yes_no, print_yes_no, string2ll};
use super::Config;

/// Where a parameter's value lives.
pub(crate) enum Slot<T: 'static> {
    /// A typed field of `Config`, read and written through these.
    Field(fn(&Config) -> T, fn(&mut Config, T)),
    /// Its printed text in `Config::other`, keyed by the canonical name.
    Other,
}

/// How an integer parameter is written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumForm {
    /// Redis's strict `string2ll`.
    Plain,
    /// `memtoull` only: units allowed, no sign.
    Memory,
    /// A memory value or `N%` (stored negative, as Redis does); `maxmemory-clients`.
    MemoryOrPercent,
    /// C `strtoll` in base 8, printed in octal; `unixsocketperm`.
    Octal,
}

/// Reads the value of a parameter with its own syntax.
pub(crate) type SpecialGet = fn(&Config) -> String;
/// Validates and stores a parameter with its own syntax; the error is Redis's reason.
pub(crate) type SpecialSet = fn(&mut Config, &[Vec<u8>], &mut SetContext) -> Result<(), String>;
/// An extra check on a string parameter's new value (e.g. "dbfilename can't be a path").
pub(crate) type TextCheck = fn(&Config, &[u8]) -> Result<(), String>;

/// A parameter's kind: what values it takes and how it prints them.
pub(crate) enum Kind {
    Bool {
        default: bool,
        slot: Slot<bool>,
    },
    /// An integer kept as Redis's `long long` bit pattern: `unsigned` parameters compare
    /// and print it as `u64`.
    Num {
        min: i128,
        max: i128,
        unsigned: bool,
        form: NumForm,
        default: i64,
        slot: Slot<i64>,
    },
    /// One of `names` (case-insensitive); several spellings may share a value.
    Enum {
        names: &'static [(&'static str, u8)],
        default: u8,
        slot: Slot<u8>,
    },
    /// Several of `names` OR-ed together (`shutdown-on-sigint save now`).
    Flags {
        names: &'static [(&'static str, u8)],
        default: u8,
        slot: Slot<u8>,
    },
    Text {
        default: &'static str,
        check: Option<TextCheck>,
        slot: Slot<Vec<u8>>,
    },
    /// Its own syntax; `multi` when it takes several arguments on a config line.
    /// `default` is applied through `set` as CONFIG SET would (split on spaces); `None`
    /// leaves the blank value (`dir`: "the current directory").
    Special {
        default: Option<&'static str>,
        multi: bool,
        get: SpecialGet,
        set: SpecialSet,
    },
}

pub(crate) const fn yes_no_in(default: bool, get: fn(&Config) -> bool, set: fn(&mut Config, bool)) -> Kind {
    Kind::Bool { default, slot: Slot::Field(get, set) }
}

pub(crate) const fn yes_no(default: bool) -> Kind {
    Kind::Bool { default, slot: Slot::Other }
}

pub(crate) const fn int_in(
    min: i128,
    max: i128,
    default: i64,
    get: fn(&Config) -> i64,
    set: fn(&mut Config, i64),
) -> Kind {
    num(min, max, NumForm::Plain, default, Slot::Field(get, set))
}

pub(crate) const fn int(min: i128, max: i128, default: i64) -> Kind {
    num(min, max, NumForm::Plain, default, Slot::Other)
}

pub(crate) const fn mem_in(
    min: i128,
    max: i128,
    default: i64,
    get: fn(&Config) -> i64,
    set: fn(&mut Config, i64),
) -> Kind {
    num(min, max, NumForm::Memory, default, Slot::Field(get, set))
}

pub(crate) const fn mem(min: i128, max: i128, default: i64) -> Kind {
    num(min, max, NumForm::Memory, default, Slot::Other)
}

const fn num(min: i128, max: i128, form: NumForm, default: i64, slot: Slot<i64>) -> Kind {
    Kind::Num { min, max, unsigned: false, form, default, slot }
}

pub(crate) const fn choice_in(
    names: &'static [(&'static str, u8)],
    default: u8,
    get: fn(&Config) -> u8,
    set: fn(&mut Config, u8),
) -> Kind {
    Kind::Enum { names, default, slot: Slot::Field(get, set) }
}

pub(crate) const fn choice(names: &'static [(&'static str, u8)], default: u8) -> Kind {
    Kind::Enum { names, default, slot: Slot::Other }
}

pub(crate) const fn text_in(default: &'static str, get: fn(&Config) -> Vec<u8>, set: fn(&mut Config, Vec<u8>)) -> Kind {
    Kind::Text { default, check: None, slot: Slot::Field(get, set) }
}

pub(crate) const fn text(default: &'static str) -> Kind {
    Kind::Text { default, check: None, slot: Slot::Other }
}

pub(crate) const fn text_checked_in(
    default: &'static str,
    check: TextCheck,
    get: fn(&Config) -> Vec<u8>,
    set: fn(&mut Config, Vec<u8>),
) -> Kind {
    Kind::Text { default, check: Some(check), slot: Slot::Field(get, set) }
}

pub(crate) const fn text_checked(default: &'static str, check: TextCheck) -> Kind {
    Kind::Text { default, check: Some(check), slot: Slot::Other }
}

impl Kind {
    /// Takes several arguments on a configuration line (and a space-separated list in
    /// CONFIG SET).
    pub fn is_multi(&self) -> bool {
        match self {
            Kind::Flags { .. } => true,
            Kind::Special { multi, .. } => *multi,
            _ => false,
        }
    }

    /// The value as CONFIG GET prints it.
    pub fn print(&self, name: &str, config: &Config) -> String {
        let other = || config.other.get(name).cloned().unwrap_or_default();
        match self {
            Kind::Bool { slot, .. } => match slot {
                Slot::Field(get, _) => print_yes_no(get(config)),
                Slot::Other => other(),
            },
            Kind::Num { slot, unsigned, form, .. } => match slot {
                Slot::Field(get, _) => print_num(get(config), *unsigned, *form),
                Slot::Other => other(),
            },
            Kind::Enum { names, slot, .. } => match slot {
                Slot::Field(get, _) => value_name(names, get(config)),
                Slot::Other => other(),
            },
            Kind::Flags { names, slot, .. } => match slot {
                Slot::Field(get, _) => print_flags(names, get(config)),
                Slot::Other => other(),
            },
            Kind::Text { slot, .. } => match slot {
                Slot::Field(get, _) => String::from_utf8_lossy(&get(config)).into_owned(),
                Slot::Other => other(),
            },
            Kind::Special { get, .. } => get(config),
        }
    }

    /// Validates `args` and stores the value. Single-argument kinds get exactly one
    /// argument (callers check the count). The error is Redis's reason text.
    pub fn set(
        &self,
        name: &'static str,
        config: &mut Config,
        args: &[Vec<u8>],
        ctx: &mut SetContext,
    ) -> Result<(), String> {
        let arg: &[u8] = args.first().map_or(&[], |a| a.as_slice());
        match self {
            Kind::Bool { slot, .. } => {
                let v = parse_yes_no(arg).ok_or("argument must be 'yes' or 'no'")?;
                store(config, name, slot, v, print_yes_no(v));
            }
            Kind::Num { min, max, unsigned, form, slot, .. } => {
                let v = parse_num(arg, *form)?;
                check_range(v, *min, *max, *unsigned, *form)?;
                store(config, name, slot, v, print_num(v, *unsigned, *form));
            }
            Kind::Enum { names, slot, .. } => {
                let v = enum_value(names, arg)?;
                store(config, name, slot, v, value_name(names, v));
            }
            Kind::Flags { names, slot, .. } => {
                let mut bits = 0;
                for a in args {
                    bits |= enum_value(names, a)?;
                }
                if args.is_empty() {
                    return Err(enum_error(names));
                }
                // Only the shutdown flags use this kind; SAVE|NOSAVE is their one conflict.
                if bits & 3 == 3 {
                    return Err("shutdown options SAVE and NOSAVE can't be used simultaneously".into());
                }
                store(config, name, slot, bits, print_flags(names, bits));
            }
            Kind::Text { check, slot, .. } => {
                if let Some(check) = check {
                    check(config, arg)?;
                }
                let printed = String::from_utf8_lossy(arg).into_owned();
                store(config, name, slot, arg.to_vec(), printed);
            }
            Kind::Special { set, .. } => set(config, args, ctx)?,
        }
        Ok(())
    }

    /// Puts the parameter back to its default.
    pub fn reset(&self, name: &'static str, config: &mut Config) {
        match self {
            Kind::Bool { default, slot } => store(config, name, slot, *default, print_yes_no(*default)),
            Kind::Num { default, slot, unsigned, form, .. } => {
                store(config, name, slot, *default, print_num(*default, *unsigned, *form))
            }
            Kind::Enum { names, default, slot } => store(config, name, slot, *default, value_name(names, *default)),
            Kind::Flags { names, default, slot } => store(config, name, slot, *default, print_flags(names, *default)),
            Kind::Text { default, slot, .. } => {
                store(config, name, slot, default.as_bytes().to_vec(), default.to_string())
            }
            Kind::Special { default, set, .. } => {
                if let Some(default) = default {
                    let args: Vec<Vec<u8>> = split_on_spaces(default.as_bytes());
                    // Table defaults are valid by construction; a failure would leave
                    // the blank value, which a unit test would catch.
                    let _ = set(config, &args, &mut SetContext::default());
                }
            }
        }
    }
}

fn store<T>(config: &mut Config, name: &'static str, slot: &Slot<T>, value: T, printed: String) {
    match slot {
        Slot::Field(_, set) => set(config, value),
        Slot::Other => {
            config.other.insert(name, printed);
        }
    }
}

/// How CONFIG SET splits a multi-argument value: on every single space, so doubled
/// spaces make empty arguments (which then fail validation, as in Redis).
pub(crate) fn split_on_spaces(value: &[u8]) -> Vec<Vec<u8>> {
    if value.is_empty() {
        return Vec::new();
    }
    value.split(|&b| b == b' ').map(<[u8]>::to_vec).collect()
}

fn parse_num(arg: &[u8], form: NumForm) -> Result<i64, String> {
    let parsed = match form {
        NumForm::Plain => string2ll(arg),
        NumForm::Memory => memtoull(arg).map(|v| v as i64),
        NumForm::MemoryOrPercent => memtoull(arg).map(|v| v as i64).or_else(|| {
            let digits = arg.strip_suffix(b"%")?;
            string2ll(digits).filter(|v| *v >= 0).map(|v| -v)
        }),
        NumForm::Octal => {
            let r = c_strtoll(arg, 8);
            (r.whole && !r.overflow).then_some(r.value)
        }
    };
    parsed.ok_or_else(|| {
        match form {
            NumForm::Plain => "argument couldn't be parsed into an integer",
            NumForm::Memory => "argument must be a memory value",
            NumForm::MemoryOrPercent => "argument must be a memory or percent value",
            NumForm::Octal => "argument couldn't be parsed as an octal number",
        }
        .to_string()
    })
}

fn check_range(v: i64, min: i128, max: i128, unsigned: bool, form: NumForm) -> Result<(), String> {
    if form == NumForm::MemoryOrPercent && v < 0 {
        // A percentage, stored negated.
        return if i128::from(v) < min {
            Err("percentage argument must be less or equal to 100".into())
        } else {
            Ok(())
        };
    }
    let wide = if unsigned { i128::from(v as u64) } else { i128::from(v) };
    if (min..=max).contains(&wide) {
        return Ok(());
    }
    Err(if form == NumForm::Octal {
        format!("argument must be between {min:o} and {max:o} inclusive")
    } else {
        format!("argument must be between {min} and {max} inclusive")
    })
}

fn print_num(v: i64, unsigned: bool, form: NumForm) -> String {
    match form {
        NumForm::Octal => format!("{v:o}"),
        NumForm::MemoryOrPercent if v < 0 => format!("{}%", i128::from(v).abs()),
        _ if unsigned => (v as u64).to_string(),
        _ => v.to_string(),
    }
}

fn enum_value(names: &[(&str, u8)], arg: &[u8]) -> Result<u8, String> {
    names.iter().find(|(n, _)| arg.eq_ignore_ascii_case(n.as_bytes())).map(|&(_, v)| v).ok_or_else(|| enum_error(names))
}

fn enum_error(names: &[(&str, u8)]) -> String {
    let list: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
    format!("argument(s) must be one of the following: {}", list.join(", "))
}

/// `default` when no flag is set, else the set flags' names in table order.
fn print_flags(names: &[(&str, u8)], bits: u8) -> String {
    if bits == 0 {
        return value_name(names, 0);
    }
    let set: Vec<&str> = names.iter().filter(|&&(_, v)| v != 0 && bits & v == v).map(|(n, _)| *n).collect();
    set.join(" ")
}
