//! gimli-driver: a batch addr2line on top of the `addr2line` crate (gimli-rs), for libsym's
//! benchmark. Reads hexadecimal addresses (one per line, with or without 0x) from stdin and
//! prints them in GNU `addr2line -a -f -i -C` layout:
//!
//!   0x00000000004011f0
//!   inner_function
//!   /src/file.cc:12
//!   outer_function          (one pair per inline level, innermost first, with -i)
//!   /src/file.cc:40
//!
//! Usage: gimli-driver -e FILE [-i] [--names]
//!   -i       print the inline chain (otherwise only the innermost frame)
//!   --names  function names only, from the ELF symbol table (no DWARF is loaded)
//! Sections are borrowed from an mmap of FILE (compressed ones are inflated), as in the
//! crate's own example; output is buffered and flushed at the end.
use std::borrow::Cow;
use std::ffi::c_void;
use std::io::{self, BufRead, BufWriter, Write};
use std::os::unix::io::AsRawFd;

use object::{Object, ObjectSection};

extern "C" {
    fn mmap(addr: *mut c_void, len: usize, prot: i32, flags: i32, fd: i32, off: i64) -> *mut c_void;
}

fn map_file(path: &str) -> &'static [u8] {
    let file = std::fs::File::open(path).unwrap_or_else(|e| {
        eprintln!("gimli-driver: {}: {}", path, e);
        std::process::exit(1)
    });
    let len = file.metadata().map(|m| m.len() as usize).unwrap_or(0);
    if len == 0 {
        return &[];
    }
    // PROT_READ = 1, MAP_PRIVATE = 2; the mapping lives until exit.
    let p = unsafe { mmap(std::ptr::null_mut(), len, 1, 2, file.as_raw_fd(), 0) };
    if p as isize == -1 {
        eprintln!("gimli-driver: {}: mmap failed", path);
        std::process::exit(1)
    }
    unsafe { std::slice::from_raw_parts(p as *const u8, len) }
}

fn parse_addr(s: &str) -> Option<u64> {
    let s = s.trim();
    let s = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")).unwrap_or(s);
    u64::from_str_radix(s, 16).ok()
}

fn name_of(symbols: &object::SymbolMap<object::SymbolMapName>, addr: u64) -> String {
    match symbols.get(addr) {
        Some(s) => addr2line::demangle_auto(Cow::from(s.name()), None).into_owned(),
        None => "??".to_string(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut path = None;
    let mut inlines = false;
    let mut names_only = false;
    let mut i = 1;
    while i < args.len() {
        match args[i].as_str() {
            "-e" => {
                i += 1;
                path = args.get(i).cloned();
            }
            "-i" => inlines = true,
            "--names" => names_only = true,
            other => {
                eprintln!("gimli-driver: unknown argument {}", other);
                std::process::exit(2)
            }
        }
        i += 1;
    }
    let path = path.unwrap_or_else(|| {
        eprintln!("usage: gimli-driver -e FILE [-i] [--names] < addresses");
        std::process::exit(2)
    });
    let data = map_file(&path);
    let object = object::File::parse(data).unwrap_or_else(|e| {
        eprintln!("gimli-driver: {}: {}", path, e);
        std::process::exit(1)
    });
    let endian = if object.is_little_endian() { gimli::RunTimeEndian::Little } else { gimli::RunTimeEndian::Big };
    let symbols = object.symbol_map();

    let ctx = if names_only {
        None
    } else {
        let load = |id: gimli::SectionId| -> Result<gimli::EndianSlice<'static, gimli::RunTimeEndian>, gimli::Error> {
            let bytes: &'static [u8] = match object.section_by_name(id.name()) {
                Some(section) => match section.uncompressed_data() {
                    Ok(Cow::Borrowed(b)) => b,
                    Ok(Cow::Owned(v)) => Box::leak(v.into_boxed_slice()),
                    Err(_) => &[],
                },
                None => &[],
            };
            Ok(gimli::EndianSlice::new(bytes, endian))
        };
        let dwarf = gimli::Dwarf::load(load).expect("load DWARF");
        Some(addr2line::Context::from_dwarf(dwarf).expect("DWARF context"))
    };

    let stdin = io::stdin();
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    for line in stdin.lock().lines() {
        let line = match line { Ok(l) => l, Err(_) => break };
        if line.trim().is_empty() {
            continue;
        }
        let addr = match parse_addr(&line) {
            Some(a) => a,
            None => {
                writeln!(out, "{}\n??\n??:0", line.trim()).unwrap();
                continue;
            }
        };
        writeln!(out, "0x{:016x}", addr).unwrap();
        let ctx = match &ctx {
            None => {
                writeln!(out, "{}\n??:0", name_of(&symbols, addr)).unwrap();
                continue;
            }
            Some(c) => c,
        };
        let mut printed = false;
        if let Ok(mut frames) = ctx.find_frames(addr) {
            while let Ok(Some(frame)) = frames.next() {
                let name = match &frame.function {
                    Some(f) => match f.raw_name() {
                        Ok(raw) => addr2line::demangle_auto(raw, f.language).into_owned(),
                        Err(_) => "??".to_string(),
                    },
                    None => name_of(&symbols, addr),
                };
                let loc = match &frame.location {
                    Some(l) => format!(
                        "{}:{}",
                        l.file.unwrap_or("??"),
                        l.line.map(|n| n.to_string()).unwrap_or_else(|| "?".to_string())
                    ),
                    None => "??:0".to_string(),
                };
                writeln!(out, "{}\n{}", name, loc).unwrap();
                printed = true;
                if !inlines {
                    break;
                }
            }
        }
        if !printed {
            writeln!(out, "{}\n??:0", name_of(&symbols, addr)).unwrap();
        }
    }
    out.flush().unwrap();
}
