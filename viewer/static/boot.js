// Starts the viewer without a network request: the wasm module arrives as a module script
// (viewer_bg.wasm.js, base64, written by `xtask viewer --finish`), so the page's CSP can say
// `connect-src 'none'`. The analysis worker gets the compiled module from the page.
import init from './viewer.js';
import wasm from './viewer_bg.wasm.js';

const bytes = typeof Uint8Array.fromBase64 === 'function'
  ? Uint8Array.fromBase64(wasm)
  : Uint8Array.from(atob(wasm), (c) => c.charCodeAt(0));
await init({ module_or_path: await WebAssembly.compile(bytes) });
