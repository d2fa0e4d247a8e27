// Starts the viewer without a network request: the wasm module arrives as a module script
// (viewer_bg.wasm.js, one byte per character, written by `xtask viewer --finish`), so the page's
// CSP can say `connect-src 'none'`. The analysis worker gets the compiled module from the page.
import init from './viewer.js';
import wasm from './viewer_bg.wasm.js';

// A byte that cannot stand in a string literal (`"`, `\`, a line break) was written 256
// higher: keep the low byte.
const bytes = new Uint8Array(wasm.length);
for (let i = 0; i < wasm.length; i++) bytes[i] = wasm.charCodeAt(i) & 0xff;
await init({ module_or_path: await WebAssembly.compile(bytes) });
