// A Rust program's heap for stackfold: memory kept (never dropped) by three functions through
// Vec, HashMap and Box, all allocated through Rust's allocator layer (__rust_alloc, alloc::alloc,
// Global, System's GlobalAlloc), which stackfold cuts as it cuts operator new. Built once as is
// (std's System allocator) and once with `--cfg counting`: a #[global_allocator] of its own.
use std::collections::HashMap;

#[cfg(counting)]
mod counting {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::atomic::{AtomicUsize, Ordering};
    pub struct Counting;
    pub static BYTES: AtomicUsize = AtomicUsize::new(0);
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            BYTES.fetch_add(layout.size(), Ordering::Relaxed);
            System.alloc(layout)
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            System.dealloc(ptr, layout)
        }
    }
    #[global_allocator]
    static ALLOCATOR: Counting = Counting;
}

#[inline(never)]
fn fill_vec(n: u64) -> Vec<u64> {
    let mut v = Vec::new();
    for i in 0..n {
        v.push(i * 3);
    }
    v
}

#[inline(never)]
fn make_boxes(n: usize) -> Vec<Box<[u8; 256]>> {
    (0..n).map(|i| Box::new([i as u8; 256])).collect()
}

#[inline(never)]
fn make_map(n: usize) -> HashMap<String, usize> {
    (0..n).map(|i| (format!("key-{i}"), i)).collect()
}

fn main() {
    let v = fill_vec(100_000);
    let b = make_boxes(2_000);
    let m = make_map(5_000);
    println!("{} {} {}", v.len(), b.len(), m.len());
    // Kept until the dump at exit.
    std::mem::forget(v);
    std::mem::forget(b);
    std::mem::forget(m);
}
