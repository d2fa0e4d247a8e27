// The analysis worker. Its first message is the page's compiled WebAssembly.Module; the same
// Rust entry point then sees a worker scope and serves analysis requests (viewer/src/worker.rs).
import init from './viewer.js';

// A failure inside a promise (a wasm trap in an async handler, an instantiation that runs out
// of memory) would otherwise stay inside the worker: report it as an error, which reaches the
// page's `onerror` and becomes a message there.
self.addEventListener('unhandledrejection', (event) => { event.preventDefault(); reportError(event.reason); });
self.addEventListener('message', (event) => { init({ module_or_path: event.data }); }, { once: true });
