fn main() {
    let out = std::env::var("OUT_DIR").unwrap();
    let st = std::process::Command::new("gcc")
        .args(["-O2", "-c", "ct.c", "-o"])
        .arg(format!("{out}/ct.o"))
        .status()
        .unwrap();
    assert!(st.success());
    let st = std::process::Command::new("ar")
        .args(["rcs"])
        .arg(format!("{out}/libct.a"))
        .arg(format!("{out}/ct.o"))
        .status()
        .unwrap();
    assert!(st.success());
    println!("cargo:rustc-link-search=native={out}");
    println!("cargo:rustc-link-lib=static=ct");
    println!("cargo:rerun-if-changed=ct.c");
}
