// Mounts the authn-audit viewer into elements of a docs page. Usage (see docs/embedding.md):
//
//   <div data-authn-audit data-sample="off" data-compact data-dump="dumps/cluster.yaml"></div>
//   <script src="/viewer/embed.js" defer></script>
//
// Each element gets an iframe of the viewer (same folder as this script). A `data-dump` URL must
// be on the page's own origin: the host page fetches it and hands the bytes to the viewer by
// postMessage, because the viewer itself may not open any connection.
(() => {
  const script = document.currentScript;
  const base = new URL('./', script ? script.src : location.href);

  function mount(el) {
    if (el.dataset.authnAuditMounted) return;
    el.dataset.authnAuditMounted = 'true';
    const on = (name) => name in el.dataset && !['off', 'false', 'no', '0'].includes(el.dataset[name]);
    const fragment = ['embed'];
    if (on('compact')) fragment.push('compact');
    if ('sample' in el.dataset && !on('sample')) fragment.push('sample=off');
    const frame = document.createElement('iframe');
    frame.src = new URL('index.html#' + fragment.join('&'), base).href;
    frame.title = el.dataset.title || 'authn-audit report viewer';
    frame.className = 'authn-audit-frame';
    frame.style.width = '100%';
    frame.style.height = el.dataset.height || '760px';
    frame.style.border = '1px solid rgba(127, 127, 127, 0.35)';
    frame.style.borderRadius = '8px';
    el.replaceChildren(frame);

    const viewerOrigin = new URL(frame.src).origin;
    window.addEventListener('message', async (event) => {
      if (event.source !== frame.contentWindow || event.origin !== viewerOrigin) return;
      const type = event.data && event.data.type;
      if (type === 'authn-audit:started' && el.dataset.dump) {
        const url = new URL(el.dataset.dump, location.href);
        // A dump that cannot be had is said in the frame (and to the page), not only in the
        // console: an empty drop zone would read as "nothing to show".
        const failed = (status, refused) => frame.contentWindow.postMessage(
          { type: 'authn-audit:load-failed', url: url.href, status, refused }, viewerOrigin);
        if (url.origin !== location.origin) {
          console.warn('authn-audit: data-dump must be on this page\'s origin:', url.href);
          failed(0, true);
          return;
        }
        let response;
        try {
          response = await fetch(url);
        } catch (error) {
          console.warn('authn-audit: could not load', url.href, error);
          failed(0, false);
          return;
        }
        if (!response.ok) {
          console.warn('authn-audit: could not load', url.href, response.status);
          failed(response.status, false);
          return;
        }
        const data = await response.arrayBuffer();
        const name = url.pathname.split('/').pop() || 'dump.yaml';
        frame.contentWindow.postMessage({ type: 'authn-audit:load', files: [{ name, data }] }, viewerOrigin, [data]);
      } else if (type === 'authn-audit:report' || type === 'authn-audit:failed') {
        el.dispatchEvent(new CustomEvent(type, { detail: event.data }));
      }
    });
  }

  const start = () => document.querySelectorAll('[data-authn-audit]').forEach(mount);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
