// The analysis worker. Its first message is the page's compiled WebAssembly.Module; the same
// Rust entry point then sees a worker scope and serves analysis requests (viewer/src/worker.rs).
import init from './viewer.js';

self.addEventListener('message', (event) => { init({ module_or_path: event.data }); }, { once: true });
