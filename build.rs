//! Compiles the small C shim for long-double arithmetic (see csrc/longdouble.c).
fn main() {
    println!("cargo:rerun-if-changed=csrc/longdouble.c");
    cc::Build::new().file("csrc/longdouble.c").flag_if_supported("-std=c11").compile("ferrokv_longdouble");
}
