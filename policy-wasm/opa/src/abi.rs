//! The OPA Wasm ABI 1.2 exports and the heap they share with the host.
//!
//! Values are boxed `serde_json::Value`s; their addresses are the ABI's value addresses. The
//! global allocator is a bump allocator whose top *is* the ABI heap pointer: hosts save it with
//! `opa_heap_ptr_get`, write input above it without calling `opa_malloc`, and rewind it with
//! `opa_heap_ptr_set` to drop everything an evaluation allocated.

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32;
use core::ptr::null_mut;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use policy_wasm::opa;
use serde_json::Value;

const PAGE: usize = 65_536;

unsafe extern "C" {
    /// First byte after the data segment and the stack (linker-provided).
    static __heap_base: u8;
    /// Host import: throw an evaluation error with a NUL-terminated message. OPA's SDKs throw;
    /// Kubewarden's burrego only logs it and returns, so it is declared as returning.
    fn opa_abort(message: *const u8);
}

/// Top of the heap; 0 until the first allocation.
static TOP: AtomicUsize = AtomicUsize::new(0);
static WARM: AtomicBool = AtomicBool::new(false);

struct Bump;

#[global_allocator]
static ALLOCATOR: Bump = Bump;

fn top() -> usize {
    match TOP.load(Relaxed) {
        0 => &raw const __heap_base as usize,
        top => top,
    }
}

/// Make sure linear memory reaches `end`, growing it when the host has not.
fn reserve(end: usize) -> bool {
    let have = wasm32::memory_size(0).saturating_mul(PAGE);
    end <= have || wasm32::memory_grow(0, (end - have).div_ceil(PAGE)) != usize::MAX
}

fn bump(size: usize, align: usize) -> *mut u8 {
    let Some(start) = top().checked_next_multiple_of(align.max(1)) else { return null_mut() };
    let Some(end) = start.checked_add(size) else { return null_mut() };
    if !reserve(end) {
        return null_mut();
    }
    TOP.store(end, Relaxed);
    start as *mut u8
}

/// The smallest and largest blocks the warm-up recycles ([`Recycled`]), as powers of two.
const SMALLEST: u32 = 4;
const LARGEST: u32 = 12;

/// Blocks freed during the warm-up, by size class (16 B to 4 KiB), for the warm-up's later
/// allocations. The warm-up builds every lazy global among the temporaries of a few decisions;
/// a bump allocator can take back only the newest block, so those temporaries used to stay
/// below the globals for good: 163 KB of heap before the first evaluation, a sixth page where
/// Kubewarden's burrego gives five. Recycled, the warm-up's heap is about what the globals
/// hold. After the warm-up the lists are no longer read: the host rewinds the heap instead.
struct Recycled {
    /// Per class, the address of the first free block (each holds the next one's), 0 for none.
    heads: [AtomicUsize; (LARGEST - SMALLEST + 1) as usize],
}

static RECYCLED: Recycled = Recycled { heads: [const { AtomicUsize::new(0) }; (LARGEST - SMALLEST + 1) as usize] };
/// Set while the warm-up runs: only then are blocks recycled.
static WARMING: AtomicBool = AtomicBool::new(false);

impl Recycled {
    /// The class of a block of this layout, when the warm-up recycles it: every block of a class
    /// is the class's size and aligned to 16, so any of them serves any layout of the class.
    fn class(layout: Layout) -> Option<usize> {
        let size = layout.size().max(1).checked_next_power_of_two()?;
        let bits = size.trailing_zeros().max(SMALLEST);
        (WARMING.load(Relaxed) && layout.align() <= 16 && bits <= LARGEST).then(|| (bits - SMALLEST) as usize)
    }

    fn alloc(&self, class: usize) -> *mut u8 {
        let Some(head) = self.heads.get(class) else { return null_mut() };
        match head.load(Relaxed) {
            0 => bump(16 << class, 16),
            block => {
                // SAFETY: `block` is a free block of this class: its first word holds the next.
                head.store(unsafe { *(block as *const usize) }, Relaxed);
                block as *mut u8
            }
        }
    }

    fn free(&self, class: usize, ptr: *mut u8) {
        if let Some(head) = self.heads.get(class) {
            // SAFETY: a block of at least 16 bytes, aligned to 16, no longer in use.
            unsafe { *(ptr as *mut usize) = head.load(Relaxed) };
            head.store(ptr as usize, Relaxed);
        }
    }
}

// SAFETY: single-threaded module; blocks never overlap because the top only moves past a block
// once it is handed out, and it moves back only over the newest block (dealloc) or where the host
// says nothing live remains (opa_heap_ptr_set). A recycled block is handed out again only once
// freed, and only during the warm-up, whose blocks lie below every address the host sees.
unsafe impl GlobalAlloc for Bump {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match Recycled::class(layout) {
            Some(class) => RECYCLED.alloc(class),
            None => bump(layout.size(), layout.align()),
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if let Some(class) = Recycled::class(layout) {
            return RECYCLED.free(class, ptr);
        }
        // Only the newest block can be given back; the host frees the rest by rewinding.
        if (ptr as usize).wrapping_add(layout.size()) == TOP.load(Relaxed) {
            TOP.store(ptr as usize, Relaxed);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if WARMING.load(Relaxed) {
            // SAFETY: the caller's contract, forwarded.
            let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
            if Recycled::class(layout).is_some() && Recycled::class(layout) == Recycled::class(new_layout) {
                return ptr;
            }
            // SAFETY: as above; a new block, the old one copied and freed.
            let new = unsafe { self.alloc(new_layout) };
            if !new.is_null() {
                // SAFETY: both blocks are live, distinct and at least this long.
                unsafe { core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size)) };
                // SAFETY: `ptr` was allocated with `layout` and is no longer used.
                unsafe { self.dealloc(ptr, layout) };
            }
            return new;
        }
        let start = ptr as usize;
        if start.wrapping_add(layout.size()) == TOP.load(Relaxed) {
            // The newest block grows in place: a growing Vec or String costs no copies.
            return match start.checked_add(new_size) {
                Some(end) if reserve(end) => {
                    TOP.store(end, Relaxed);
                    ptr
                }
                _ => null_mut(),
            };
        }
        let new = bump(new_size, layout.align());
        if !new.is_null() {
            // SAFETY: both blocks are live, distinct and at least this long.
            unsafe { core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size)) };
        }
        new
    }
}

/// Every export calls this first: lazy globals get built below any address the host sees.
fn enter() {
    if !WARM.swap(true, Relaxed) {
        WARMING.store(true, Relaxed);
        crate::warm_up();
        WARMING.store(false, Relaxed);
    }
}

/// Report an error to the host. Returns only on hosts that do not throw; the caller then answers
/// something that rejects (see `opa::fail_closed`) or, where no answer can be given, traps.
fn abort(message: &str) {
    let mut bytes = message.as_bytes().to_vec();
    bytes.push(0);
    // SAFETY: a NUL-terminated string that outlives the call.
    unsafe { opa_abort(bytes.as_ptr()) }
}

/// `abort` where the ABI leaves no value to answer with (allocation failure, a null context).
fn abort_here(message: &str) -> ! {
    abort(message);
    core::arch::wasm32::unreachable()
}

fn leak(value: Value) -> *mut Value {
    Box::into_raw(Box::new(value))
}

/// A value address from the host: null means undefined.
///
/// SAFETY (caller): `addr` is null or came from `leak` and lies above the host's rewind point.
unsafe fn value<'a>(addr: *const Value) -> Option<&'a Value> {
    // SAFETY: see above.
    unsafe { addr.as_ref() }
}

/// Bytes at `addr`, `len` long, in linear memory.
///
/// SAFETY (caller): the host wrote `len` bytes at `addr`.
unsafe fn bytes<'a>(addr: *const u8, len: usize) -> &'a [u8] {
    if addr.is_null() || len == 0 {
        return &[];
    }
    // SAFETY: see above.
    unsafe { core::slice::from_raw_parts(addr, len) }
}

fn dump(value: &Value) -> *const u8 {
    let mut text = serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec());
    text.push(0);
    let text = text.leak();
    text.as_ptr()
}

/// Evaluation context of the ABI 1.0 path.
#[repr(C)]
pub struct Ctx {
    input: *const Value,
    data: *const Value,
    entrypoint: i32,
    result: *mut Value,
}

#[unsafe(no_mangle)]
pub extern "C" fn opa_malloc(size: usize) -> *mut u8 {
    enter();
    let block = bump(size, 8);
    if block.is_null() {
        abort_here("out of memory");
    }
    block
}

/// Blocks are freed by rewinding the heap pointer.
#[unsafe(no_mangle)]
pub extern "C" fn opa_free(_addr: *mut u8) {}

#[unsafe(no_mangle)]
pub extern "C" fn opa_heap_ptr_get() -> usize {
    enter();
    top()
}

#[unsafe(no_mangle)]
pub extern "C" fn opa_heap_ptr_set(addr: usize) {
    enter();
    TOP.store(addr, Relaxed);
}

/// # Safety
/// The host wrote `len` bytes of JSON at `addr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opa_json_parse(addr: *const u8, len: usize) -> *mut Value {
    enter();
    // SAFETY: guaranteed by the host.
    opa::parse_json(unsafe { bytes(addr, len) }).map_or(null_mut(), leak)
}

/// Rego value syntax; this module's values are plain JSON.
///
/// # Safety
/// As [`opa_json_parse`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opa_value_parse(addr: *const u8, len: usize) -> *mut Value {
    // SAFETY: forwarded.
    unsafe { opa_json_parse(addr, len) }
}

/// # Safety
/// `addr` is a value address of this module, or null.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opa_json_dump(addr: *const Value) -> *const u8 {
    enter();
    // SAFETY: guaranteed by the host.
    dump(unsafe { value(addr) }.unwrap_or(&Value::Null))
}

/// # Safety
/// As [`opa_json_dump`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opa_value_dump(addr: *const Value) -> *const u8 {
    // SAFETY: forwarded.
    unsafe { opa_json_dump(addr) }
}

/// # Safety
/// `base`, `path` and `item` are value addresses of this module.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opa_value_add_path(base: *mut Value, path: *const Value, item: *const Value) -> i32 {
    enter();
    // SAFETY: guaranteed by the host.
    match unsafe { (base.as_mut(), value(path), value(item)) } {
        (Some(base), Some(path), Some(item)) => opa::add_path(base, path, item.clone()),
        _ => 2,
    }
}

/// # Safety
/// `base` and `path` are value addresses of this module.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opa_value_remove_path(base: *mut Value, path: *const Value) -> i32 {
    enter();
    // SAFETY: guaranteed by the host.
    match unsafe { (base.as_mut(), value(path)) } {
        (Some(base), Some(path)) => opa::remove_path(base, path),
        _ => 2,
    }
}

/// No host builtins are needed: `{}`.
#[unsafe(no_mangle)]
pub extern "C" fn builtins() -> *mut Value {
    enter();
    leak(Value::Object(serde_json::Map::new()))
}

#[unsafe(no_mangle)]
pub extern "C" fn entrypoints() -> *mut Value {
    enter();
    leak(opa::entrypoints())
}

#[unsafe(no_mangle)]
pub extern "C" fn opa_eval_ctx_new() -> *mut Ctx {
    enter();
    Box::into_raw(Box::new(Ctx { input: null_mut(), data: null_mut(), entrypoint: 0, result: null_mut() }))
}

/// The context behind an address, or an abort.
///
/// SAFETY (caller): `ctx` is null or came from `opa_eval_ctx_new`.
unsafe fn ctx<'a>(ctx: *mut Ctx) -> &'a mut Ctx {
    // SAFETY: see above.
    match unsafe { ctx.as_mut() } {
        Some(ctx) => ctx,
        None => abort_here("null evaluation context"),
    }
}

/// # Safety
/// `c` came from `opa_eval_ctx_new`; `input` is a value address of this module.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opa_eval_ctx_set_input(c: *mut Ctx, input: *const Value) {
    // SAFETY: guaranteed by the host.
    unsafe { ctx(c) }.input = input;
}

/// # Safety
/// `c` came from `opa_eval_ctx_new`; `data` is a value address of this module.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opa_eval_ctx_set_data(c: *mut Ctx, data: *const Value) {
    // SAFETY: guaranteed by the host.
    unsafe { ctx(c) }.data = data;
}

/// # Safety
/// `c` came from `opa_eval_ctx_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opa_eval_ctx_set_entrypoint(c: *mut Ctx, entrypoint: i32) {
    // SAFETY: guaranteed by the host.
    unsafe { ctx(c) }.entrypoint = entrypoint;
}

/// # Safety
/// `c` came from `opa_eval_ctx_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opa_eval_ctx_get_result(c: *mut Ctx) -> *mut Value {
    // SAFETY: guaranteed by the host.
    unsafe { ctx(c) }.result
}

fn evaluate(entrypoint: i32, input: Option<&Value>, data: Option<&Value>) -> Value {
    match opa::result_set(entrypoint, input, data) {
        Ok(result) => result,
        Err(error) => {
            let message = error.to_string();
            abort(&message);
            opa::fail_closed(entrypoint, input, &message)
        }
    }
}

/// ABI 1.0 evaluation: the result set goes into the context. Returns 0 (reserved).
///
/// # Safety
/// `c` came from `opa_eval_ctx_new` and holds value addresses of this module.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eval(c: *mut Ctx) -> i32 {
    enter();
    // SAFETY: guaranteed by the host.
    let c = unsafe { ctx(c) };
    // SAFETY: guaranteed by the host.
    let (input, data) = unsafe { (value(c.input), value(c.data)) };
    c.result = leak(evaluate(c.entrypoint, input, data));
    0
}

/// ABI 1.2 fast path: input JSON already written at `input_addr` (nothing means undefined), heap
/// continuing at `heap_ptr`; returns the result set as NUL-terminated JSON.
///
/// # Safety
/// The host wrote `input_len` bytes at `input_addr`; `data` is a value address of this module.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opa_eval(
    _reserved: i32,
    entrypoint: i32,
    data: *const Value,
    input_addr: *const u8,
    input_len: usize,
    heap_ptr: usize,
    _format: i32,
) -> *const u8 {
    enter();
    TOP.store(heap_ptr, Relaxed);
    let input = match input_len {
        0 => None,
        // SAFETY: guaranteed by the host.
        _ => match opa::parse_json(unsafe { bytes(input_addr, input_len) }) {
            Some(input) => Some(input),
            None => {
                let message = "input is not valid JSON";
                abort(message);
                return dump(&opa::fail_closed(entrypoint, None, message));
            }
        },
    };
    // SAFETY: guaranteed by the host.
    let data = unsafe { value(data) };
    dump(&evaluate(entrypoint, input.as_ref(), data))
}
